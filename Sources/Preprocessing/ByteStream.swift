import CZlib
import CZstd
import Foundation

/// A source of bytes read in chunks: a file, decompressed on the fly when it ends in `.gz` or `.zst`.
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
}

public func openStream(_ path: String) throws(InputError) -> any ByteStream {
    let file = try FileStream(path: path)
    switch Compression(path: path) {
    case .none: return file
    case .gzip: return try GzipStream(file)
    case .zstd: return try ZstdStream(file)
    }
}

struct FileStream: ByteStream {
    let path: String
    private let handle: FileHandle
    private(set) var consumed = 0
    static let chunkSize = 1 << 20

    init(path: String) throws(InputError) {
        self.path = path
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw InputError("\(path): cannot open: \(String(cString: strerror(errno)))")
        }
        self.handle = handle
    }

    mutating func next() throws(InputError) -> [UInt8]? {
        let data: Data
        do { data = try handle.read(upToCount: Self.chunkSize) ?? Data() } catch {
            throw InputError("\(path): read failed: \(error.localizedDescription)")
        }
        if data.isEmpty { return nil }
        consumed += data.count
        return Array(data)
    }
}

/// gzip (and zlib) streams through zlib, including files of several concatenated gzip members.
final class GzipStream: ByteStream {
    private var file: FileStream
    private var stream = z_stream()
    private var input: [UInt8] = []
    private var finishedMember = false
    var consumed: Int { file.consumed }

    init(_ file: FileStream) throws(InputError) {
        self.file = file
        // 15 window bits, +32: detect a gzip or zlib header.
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw InputError("\(file.path): cannot start gzip decompression")
        }
    }

    deinit { inflateEnd(&stream) }

    func next() throws(InputError) -> [UInt8]? {
        var output = [UInt8](repeating: 0, count: FileStream.chunkSize)
        var produced = 0
        while produced == 0 {
            if input.isEmpty {
                guard let chunk = try file.next() else {
                    if finishedMember { return nil }
                    throw InputError("\(file.path): truncated gzip data (the file ends inside a compressed stream)")
                }
                input = chunk
            }
            if finishedMember {
                inflateReset(&stream)
                finishedMember = false
            }
            let (status, used, made) = input.withUnsafeMutableBufferPointer { inBuffer in
                output.withUnsafeMutableBufferPointer { outBuffer in
                    stream.next_in = inBuffer.baseAddress
                    stream.avail_in = UInt32(inBuffer.count)
                    stream.next_out = outBuffer.baseAddress
                    stream.avail_out = UInt32(outBuffer.count)
                    let status = inflate(&stream, Z_NO_FLUSH)
                    return (status, inBuffer.count - Int(stream.avail_in), outBuffer.count - Int(stream.avail_out))
                }
            }
            input.removeFirst(used)
            produced = made
            switch status {
            case Z_OK, Z_BUF_ERROR: break
            case Z_STREAM_END: finishedMember = true
            default:
                let reason = stream.msg.map { String(cString: $0) } ?? "error \(status)"
                throw InputError("\(file.path): corrupt gzip data: \(reason)")
            }
        }
        output.removeLast(output.count - produced)
        return output
    }
}

/// zstd streams, including files of several concatenated frames.
final class ZstdStream: ByteStream {
    private var file: FileStream
    private let context: OpaquePointer
    private var input: [UInt8] = []
    private var inFrame = false
    var consumed: Int { file.consumed }

    init(_ file: FileStream) throws(InputError) {
        self.file = file
        guard let context = ZSTD_createDCtx() else { throw InputError("\(file.path): cannot start zstd decompression") }
        self.context = context
    }

    deinit { ZSTD_freeDCtx(context) }

    func next() throws(InputError) -> [UInt8]? {
        var output = [UInt8](repeating: 0, count: FileStream.chunkSize)
        var produced = 0
        while produced == 0 {
            if input.isEmpty {
                guard let chunk = try file.next() else {
                    if !inFrame { return nil }
                    throw InputError("\(file.path): truncated zstd data (the file ends inside a frame)")
                }
                input = chunk
            }
            let (hint, used, made) = input.withUnsafeBytes { inBytes in
                output.withUnsafeMutableBytes { outBytes in
                    var source = ZSTD_inBuffer(src: inBytes.baseAddress, size: inBytes.count, pos: 0)
                    var destination = ZSTD_outBuffer(dst: outBytes.baseAddress, size: outBytes.count, pos: 0)
                    let hint = ZSTD_decompressStream(context, &destination, &source)
                    return (hint, source.pos, destination.pos)
                }
            }
            if ZSTD_isError(hint) != 0 {
                throw InputError("\(file.path): corrupt zstd data: \(String(cString: ZSTD_getErrorName(hint)))")
            }
            input.removeFirst(used)
            produced = made
            inFrame = hint != 0
        }
        output.removeLast(output.count - produced)
        return output
    }
}
