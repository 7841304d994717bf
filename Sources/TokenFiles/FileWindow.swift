import Foundation

/// Reads byte ranges of a file through one buffer that moves forward with the reads, so a pass over a
/// file of any size holds a megabyte of it, whatever the number of reads. Reads out of order work too,
/// at the cost of a refill each.
public final class FileWindow {
    public let path: String
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    /// The file byte `buffer[0]` holds.
    private var bufferStart = 0
    private let refillBytes: Int

    public init(path: String, refillBytes: Int = 1 << 20) throws(TokenFileError) {
        self.path = path
        self.refillBytes = refillBytes
        descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw TokenFileError("\(path): cannot open (\(String(cString: strerror(errno))))") }
    }

    deinit { close(descriptor) }

    /// Calls `body` with `count` bytes from `offset`; the pointer is valid only inside it.
    public func withBytes<T>(at offset: Int, count: Int, _ body: (UnsafeRawBufferPointer) throws(TokenFileError) -> T) throws(TokenFileError) -> T {
        if offset < bufferStart || offset + count > bufferStart + buffer.count {
            let wanted = max(count, refillBytes)
            if buffer.count != wanted { buffer = [UInt8](repeating: 0, count: wanted) }
            var filled = 0
            while filled < wanted {
                let read = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress! + filled, wanted - filled, off_t(offset + filled)) }
                if read < 0 && errno == EINTR { continue }
                guard read >= 0 else { throw TokenFileError("\(path): cannot read at byte \(offset + filled) (\(String(cString: strerror(errno))))") }
                if read == 0 { break }
                filled += read
            }
            buffer.removeLast(wanted - filled)
            bufferStart = offset
            guard count <= filled else { throw TokenFileError("\(path): ends early, at byte \(offset + filled)") }
        }
        let from = offset - bufferStart
        // Array's withUnsafeBytes throws untyped errors; only `body`'s can come out of it.
        do {
            return try buffer.withUnsafeBytes { bytes in try body(UnsafeRawBufferPointer(rebasing: bytes[from..<(from + count)])) }
        } catch { throw error as! TokenFileError }
    }

    /// The little-endian integer at `offset`.
    public func load<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) throws(TokenFileError) -> T {
        try withBytes(at: offset, count: MemoryLayout<T>.size) { T(littleEndian: $0.loadUnaligned(as: T.self)) }
    }
}
