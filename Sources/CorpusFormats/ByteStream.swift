import CZlib
import CZstd
import Foundation

/// A source of bytes read in chunks: a file, decompressed on the fly when it ends in `.gz` or `.zst`,
/// or the standard input, decompressed when its first bytes are a gzip or zstd magic number.
/// Errors name the file and what is wrong with it.
public protocol ByteStream {
    /// The next chunk, or nil at the end.
    mutating func next() throws(InputError) -> [UInt8]?
    /// Bytes of the underlying file consumed so far (compressed bytes for compressed files).
    var consumed: Int { get }
}

public struct InputError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

public enum Compression: Equatable {
    case none, gzip, zstd

    /// From the file name: `.gz` or `.zst` at the end.
    public init(path: String) {
        if path.hasSuffix(".gz") { self = .gzip } else if path.hasSuffix(".zst") { self = .zstd } else { self = .none }
    }

    /// From the first bytes of the content: the gzip and zstd magic numbers.
    init<Bytes: Collection<UInt8>>(head: Bytes) {
        if head.starts(with: [0x1F, 0x8B]) { self = .gzip } else if head.starts(with: [0x28, 0xB5, 0x2F, 0xFD]) { self = .zstd } else { self = .none }
    }
}

/// The name of an input in messages.
func inputName(_ path: String) -> String { path == standardInputPath ? "standard input" : path }

/// The bytes of `path` from byte `offset` on (which must be 0 for a compressed file), decompressed.
/// Read from the start, binary content is refused on the first chunk (`BinaryContent`).
public func openStream(_ path: String, from offset: Int = 0) throws(InputError) -> any ByteStream {
    var file = try FileStream(path: path, offset: offset)
    let compression = path == standardInputPath ? Compression(head: try file.peek()) : Compression(path: path)
    let stream: any ByteStream
    switch compression {
    case .none: stream = file
    case .gzip: stream = DecompressingStream(file, try GzipDecoder(path: path))
    case .zstd: stream = DecompressingStream(file, try ZstdDecoder(path: path))
    }
    return offset == 0 ? TextCheckingStream(stream, path: path) : stream
}

struct FileStream: ByteStream {
    let path: String
    private let handle: FileHandle
    private(set) var consumed = 0
    /// A chunk read by `peek` and not yet returned.
    private var unread: [UInt8]?
    static let chunkSize = 1 << 20

    init(path: String, offset: Int = 0) throws(InputError) {
        self.path = path
        if path == standardInputPath {
            handle = .standardInput
            return
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw InputError("\(path): cannot open: \(String(cString: strerror(errno)))")
        }
        self.handle = handle
        if offset > 0 {
            do { try handle.seek(toOffset: UInt64(offset)) } catch {
                throw InputError("\(path): cannot seek to byte \(offset): \(error.localizedDescription)")
            }
        }
    }

    /// The first bytes that `next` will return.
    mutating func peek() throws(InputError) -> [UInt8] {
        if unread == nil { unread = try read() ?? [] }
        return unread!
    }

    mutating func next() throws(InputError) -> [UInt8]? {
        if let chunk = unread {
            unread = nil
            return chunk.isEmpty ? nil : chunk
        }
        return try read()
    }

    private mutating func read() throws(InputError) -> [UInt8]? {
        if path == standardInputPath && !StandardInput.replay.isEmpty {
            defer { StandardInput.replay = [] }
            consumed += StandardInput.replay.count
            StandardInput.recording? += StandardInput.replay
            return StandardInput.replay
        }
        let data: Data
        do { data = try handle.read(upToCount: Self.chunkSize) ?? Data() } catch {
            throw InputError("\(inputName(path)): read failed: \(error.localizedDescription)")
        }
        if data.isEmpty { return nil }
        consumed += data.count
        if path == standardInputPath { StandardInput.recording? += data }
        return Array(data)
    }
}

/// The standard input can be read only once, yet `shard` checks it for binary content before it
/// writes anything in the output folder: the bytes the check reads are given again to the next reader.
/// Only the main thread reads the standard input, one reader at a time.
enum StandardInput {
    nonisolated(unsafe) static var replay: [UInt8] = []
    /// While a check runs, the bytes it reads.
    nonisolated(unsafe) static var recording: [UInt8]?
}

/// One step of a streaming decompressor: consume some of `input`, fill some of `output`.
protocol StreamDecoder: AnyObject {
    /// The format's name, for messages.
    static var format: String { get }
    /// Whether the input may end here: between members or frames, not inside one.
    var atBoundary: Bool { get }
    /// Bytes used and made, or the library's reason the data is corrupt.
    func decode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) -> (used: Int, made: Int, error: String?)
}

/// A compressed file read through a decoder, chunk by chunk.
final class DecompressingStream<Decoder: StreamDecoder>: ByteStream {
    private var file: FileStream
    private let decoder: Decoder
    private var input: [UInt8] = []
    private var offset = 0
    var consumed: Int { file.consumed }

    init(_ file: FileStream, _ decoder: Decoder) {
        self.file = file
        self.decoder = decoder
    }

    func next() throws(InputError) -> [UInt8]? {
        var output = [UInt8](repeating: 0, count: FileStream.chunkSize)
        var produced = 0
        while produced == 0 {
            if offset == input.count {
                guard let chunk = try file.next() else {
                    if decoder.atBoundary { return nil }
                    throw InputError("\(inputName(file.path)): truncated \(Decoder.format) data (the file ends inside a compressed stream)")
                }
                input = chunk
                offset = 0
            }
            let step = input.withUnsafeBytes { inBytes in
                output.withUnsafeMutableBytes { outBytes in
                    decoder.decode(UnsafeRawBufferPointer(rebasing: inBytes[offset...]), into: outBytes)
                }
            }
            if let error = step.error { throw InputError("\(inputName(file.path)): corrupt \(Decoder.format) data: \(error)") }
            offset += step.used
            produced = step.made
        }
        output.removeLast(output.count - produced)
        return output
    }
}

/// gzip (and zlib) through zlib, including files of several concatenated gzip members.
final class GzipDecoder: StreamDecoder {
    static let format = "gzip"
    private var stream = z_stream()
    /// True before the first member too: an empty file is an empty input, as for zstd.
    private(set) var atBoundary = true

    init(path: String) throws(InputError) {
        // 15 window bits, +32: detect a gzip or zlib header.
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw InputError("\(path): cannot start gzip decompression")
        }
    }

    deinit { inflateEnd(&stream) }

    func decode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) -> (used: Int, made: Int, error: String?) {
        if atBoundary {
            inflateReset(&stream)
            atBoundary = false
        }
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = UInt32(input.count)
        stream.next_out = output.baseAddress?.assumingMemoryBound(to: Bytef.self)
        stream.avail_out = UInt32(output.count)
        let status = inflate(&stream, Z_NO_FLUSH)
        let used = input.count - Int(stream.avail_in), made = output.count - Int(stream.avail_out)
        switch status {
        case Z_OK, Z_BUF_ERROR: return (used, made, nil)
        case Z_STREAM_END:
            atBoundary = true
            return (used, made, nil)
        default: return (used, made, stream.msg.map { String(cString: $0) } ?? "error \(status)")
        }
    }
}

/// zstd, including files of several concatenated frames.
final class ZstdDecoder: StreamDecoder {
    static let format = "zstd"
    private let context: OpaquePointer
    private(set) var atBoundary = true

    init(path: String) throws(InputError) {
        guard let context = ZSTD_createDCtx() else { throw InputError("\(path): cannot start zstd decompression") }
        self.context = context
    }

    deinit { ZSTD_freeDCtx(context) }

    func decode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) -> (used: Int, made: Int, error: String?) {
        var source = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
        var destination = ZSTD_outBuffer(dst: output.baseAddress, size: output.count, pos: 0)
        let hint = ZSTD_decompressStream(context, &destination, &source)
        if ZSTD_isError(hint) != 0 { return (source.pos, destination.pos, String(cString: ZSTD_getErrorName(hint))) }
        atBoundary = hint == 0
        return (source.pos, destination.pos, nil)
    }
}
