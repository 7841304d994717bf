import CBrotli
import CLZ4
import CSnappy
import CZlib
import CZstd

/// Parquet's compression codecs (`CompressionCodec` in parquet.thrift), each through its reference
/// library: UNCOMPRESSED 0, SNAPPY 1 (libsnappy), GZIP 2 (zlib, gzip framing), BROTLI 4 (libbrotli),
/// ZSTD 6 (libzstd) and LZ4_RAW 7 (liblz4's block format). LZO 3 and the Hadoop-framed LZ4 5 are
/// refused by name. A page's uncompressed size is in its header, so each decompresses into a buffer
/// of exactly that size and must fill it.
enum Codec: Int64 {
    case uncompressed = 0, snappy = 1, gzip = 2, lzo = 3, brotli = 4, lz4 = 5, zstd = 6, lz4Raw = 7

    var name: String {
        switch self {
        case .uncompressed: "UNCOMPRESSED"
        case .snappy: "SNAPPY"
        case .gzip: "GZIP"
        case .lzo: "LZO"
        case .brotli: "BROTLI"
        case .lz4: "LZ4 (Hadoop framing)"
        case .zstd: "ZSTD"
        case .lz4Raw: "LZ4_RAW"
        }
    }

    var isSupported: Bool { self != .lzo && self != .lz4 }

    func decompress(_ input: ArraySlice<UInt8>, to size: Int) throws(ParquetError) -> [UInt8] {
        if self == .uncompressed {
            guard input.count == size else { throw ParquetError("an uncompressed page of \(input.count) bytes says it holds \(size)") }
            return Array(input)
        }
        // The size comes from the page header: before allocating it, check it against what the data can
        // make, so a page of a few bytes claiming a gibibyte is refused without taking it.
        if let most = try mostBytes(from: input), size > most {
            throw ParquetError("a \(name) page of \(input.count) bytes says it holds \(size) bytes, more than the \(most) it can")
        }
        if self == .brotli { return try inflateBrotli(input, to: size) }
        var output = [UInt8](repeating: 0, count: size)
        let produced: Int? = input.withUnsafeBytes { source in
            output.withUnsafeMutableBytes { target -> Int? in
                let src = source.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
                let dst = target.baseAddress ?? UnsafeMutableRawPointer(bitPattern: 1)!
                switch self {
                case .snappy:
                    var length = size
                    return snappy_uncompress(src.assumingMemoryBound(to: CChar.self), source.count,
                                             dst.assumingMemoryBound(to: CChar.self), &length) == SNAPPY_OK ? length : nil
                case .gzip: return inflateGzip(src, source.count, dst, size)
                case .zstd:
                    let length = ZSTD_decompress(dst, size, src, source.count)
                    return ZSTD_isError(length) != 0 ? nil : length
                case .lz4Raw:
                    guard source.count <= Int(Int32.max), size <= Int(Int32.max) else { return nil }
                    let length = LZ4_decompress_safe(src.assumingMemoryBound(to: CChar.self), dst.assumingMemoryBound(to: CChar.self),
                                                     Int32(source.count), Int32(size))
                    return length < 0 ? nil : Int(length)
                case .uncompressed, .brotli, .lzo, .lz4: return nil
                }
            }
        }
        guard let produced else { throw ParquetError("the \(name) data does not decompress (truncated or damaged)") }
        guard produced == size else { throw ParquetError("the \(name) data decompresses to \(produced) bytes, not the \(size) its header says") }
        return output
    }

    /// The most bytes `input` can decompress to: Snappy records the size; a zstd block of at most
    /// 128 KiB takes at least 4 bytes (an RLE block), deflate expands at most 1032 to 1 and LZ4 at most
    /// 255 to 1 (plus a block's slack); nil for Brotli, which has no such bound and is decompressed
    /// into a growing buffer instead.
    private func mostBytes(from input: ArraySlice<UInt8>) throws(ParquetError) -> Int? {
        switch self {
        case .snappy:
            var length = 0
            let status = input.withUnsafeBytes { source in
                snappy_uncompressed_length(source.baseAddress?.assumingMemoryBound(to: CChar.self), source.count, &length)
            }
            guard status == SNAPPY_OK else { throw ParquetError("the SNAPPY data does not decompress (truncated or damaged)") }
            return length
        case .zstd: return (input.count / 4 + 1) << 17
        case .gzip: return input.count * 1032 + 64
        case .lz4Raw: return input.count * 255 + 16
        case .uncompressed, .brotli, .lzo, .lz4: return nil
        }
    }

    /// Brotli into exactly `size` bytes, the buffer grown as the data fills it: Brotli's expansion has no
    /// useful bound, so allocating the header's size first would let a few bytes take a gibibyte.
    private func inflateBrotli(_ input: ArraySlice<UInt8>, to size: Int) throws(ParquetError) -> [UInt8] {
        guard let state = BrotliDecoderCreateInstance(nil, nil, nil) else { throw ParquetError("cannot start BROTLI decompression") }
        defer { BrotliDecoderDestroyInstance(state) }
        // At least one byte, so that the decoder runs even for an empty page and says whether its data
        // holds more.
        var output = [UInt8](repeating: 0, count: max(1, min(size, (1 << 16) + 4 * input.count)))
        var produced = 0
        var result = BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT
        input.withUnsafeBytes { source in
            var nextIn = source.baseAddress?.assumingMemoryBound(to: UInt8.self)
            var availableIn = source.count
            while result == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT {
                if produced == output.count {
                    guard output.count < size else { return }
                    output.append(contentsOf: repeatElement(0, count: min(output.count, size - output.count)))
                }
                output.withUnsafeMutableBytes { target in
                    var nextOut: UnsafeMutablePointer<UInt8>? = target.baseAddress!.assumingMemoryBound(to: UInt8.self) + produced
                    var availableOut = target.count - produced
                    result = BrotliDecoderDecompressStream(state, &availableIn, &nextIn, &availableOut, &nextOut, nil)
                    produced = target.count - availableOut
                }
            }
        }
        guard result == BROTLI_DECODER_RESULT_SUCCESS || result == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT else {
            throw ParquetError("the BROTLI data does not decompress (truncated or damaged)")
        }
        guard result == BROTLI_DECODER_RESULT_SUCCESS, produced == size else {
            throw ParquetError("the BROTLI data decompresses to \(result == BROTLI_DECODER_RESULT_SUCCESS ? "\(produced) bytes" : "more than \(size) bytes"), not the \(size) its header says")
        }
        return Array(output[..<produced])
    }

    /// One gzip member (zlib with its gzip header), into exactly `size` bytes.
    private func inflateGzip(_ source: UnsafeRawPointer, _ count: Int, _ target: UnsafeMutableRawPointer, _ size: Int) -> Int? {
        guard count <= Int(UInt32.max), size <= Int(UInt32.max) else { return nil }
        var stream = z_stream()
        guard inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        defer { inflateEnd(&stream) }
        stream.next_in = UnsafeMutablePointer(mutating: source.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(count)
        stream.next_out = target.assumingMemoryBound(to: Bytef.self)
        stream.avail_out = uInt(size)
        let status = inflate(&stream, Z_FINISH)
        return status == Z_STREAM_END ? size - Int(stream.avail_out) : nil
    }
}
