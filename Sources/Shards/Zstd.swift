import CZstd
import Foundation

/// One-shot zstd frames with content checksums, for shard frames.
public enum Zstd {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// A complete zstd frame holding `bytes`, with its content size and checksum recorded.
    public static func compress(_ content: [UInt8], level: Int) throws(Failure) -> [UInt8] {
        guard let context = ZSTD_createCCtx() else { throw Failure(description: "zstd: out of memory") }
        defer { ZSTD_freeCCtx(context) }
        ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, Int32(level))
        ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 1)
        ZSTD_CCtx_setParameter(context, ZSTD_c_contentSizeFlag, 1)
        var output = [UInt8](repeating: 0, count: ZSTD_compressBound(content.count))
        let size = output.withUnsafeMutableBytes { out in
            content.withUnsafeBytes { bytes in
                ZSTD_compress2(context, out.baseAddress, out.count, bytes.baseAddress, bytes.count)
            }
        }
        if ZSTD_isError(size) != 0 { throw Failure(description: "zstd: " + String(cString: ZSTD_getErrorName(size))) }
        output.removeLast(output.count - size)
        return output
    }

    /// The content of one complete frame, which must decompress to exactly `expectedSize` bytes
    /// (and pass its checksum).
    public static func decompress(_ compressed: [UInt8], expectedSize: Int) throws(Failure) -> [UInt8] {
        let declared = compressed.withUnsafeBytes { frame in ZSTD_getFrameContentSize(frame.baseAddress, frame.count) }
        guard declared == UInt64(expectedSize) else {
            throw Failure(description: declared >= ZSTD_CONTENTSIZE_ERROR
                ? "not a zstd frame" : "zstd frame holds \(declared) bytes, expected \(expectedSize)")
        }
        var output = [UInt8](repeating: 0, count: expectedSize)
        let size = output.withUnsafeMutableBytes { out in
            compressed.withUnsafeBytes { frame in
                ZSTD_decompress(out.baseAddress, out.count, frame.baseAddress, frame.count)
            }
        }
        if ZSTD_isError(size) != 0 { throw Failure(description: "zstd: " + String(cString: ZSTD_getErrorName(size))) }
        guard size == expectedSize else { throw Failure(description: "zstd frame holds \(size) bytes, expected \(expectedSize)") }
        return output
    }
}
