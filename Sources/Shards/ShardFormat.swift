import Checksum

/// The fixed-size header of a shard file; docs/FORMAT.md is the normative description.
///
/// Layout (little-endian): magic, version, token width, vocabulary size, window length, window
/// count, windows per frame, frame count, file size, tokenizer SHA-256, match scope, reserved zeros,
/// and a checksum over the header and the frame table. The frame table follows the header: per frame,
/// its absolute offset and compressed size (u64 each). Frames follow the table.
public struct ShardHeader: Equatable, Sendable {
    public static let magic: [UInt8] = Array("HAPAXSHD".utf8)
    public static let version: UInt32 = 1
    public static let size = 128
    static let checksumOffset = 120
    /// Bounds a reader enforces before it allocates anything a header declares: a window of at most
    /// 2^24 tokens, a frame of at most 2^26 tokens (320 MiB decompressed at 4-byte ids), ids below 2^32.
    public static let maximumWindowLength = 1 << 24
    public static let maximumFrameTokens = 1 << 26

    public var tokenWidth: Int
    public var vocabularySize: Int
    public var windowLength: Int
    public var windowCount: Int
    public var windowsPerFrame: Int
    public var frameCount: Int
    public var fileSize: Int
    public var tokenizerSHA256: [UInt8]
    public var scopeCode: UInt32

    public init(tokenWidth: Int, vocabularySize: Int, windowLength: Int, windowCount: Int, windowsPerFrame: Int,
                frameCount: Int, fileSize: Int, tokenizerSHA256: [UInt8], scopeCode: UInt32) {
        self.tokenWidth = tokenWidth
        self.vocabularySize = vocabularySize
        self.windowLength = windowLength
        self.windowCount = windowCount
        self.windowsPerFrame = windowsPerFrame
        self.frameCount = frameCount
        self.fileSize = fileSize
        self.tokenizerSHA256 = tokenizerSHA256
        self.scopeCode = scopeCode
    }

    /// Two bytes per token when every id fits, else four.
    public static func tokenWidth(vocabularySize: Int) -> Int { vocabularySize <= 1 << 16 ? 2 : 4 }

    /// Windows in frame `f`: all frames are full but possibly the last.
    public func windows(inFrame f: Int) -> Int { min(windowsPerFrame, windowCount - f * windowsPerFrame) }

    /// Decompressed size of frame `f`: its tokens, then its match lengths.
    public func contentSize(ofFrame f: Int) -> Int { windows(inFrame: f) * windowLength * (tokenWidth + 1) }

    public var tableSize: Int { frameCount * 16 }

    /// The header bytes, with the checksum computed over them and `table`.
    public func encoded(table: [UInt8]) -> [UInt8] {
        var bytes = Self.magic
        bytes.appendLittleEndian(Self.version)
        bytes.appendLittleEndian(UInt32(tokenWidth))
        bytes.appendLittleEndian(UInt32(vocabularySize))
        bytes.appendLittleEndian(UInt32(windowLength))
        bytes.appendLittleEndian(UInt64(windowCount))
        bytes.appendLittleEndian(UInt32(windowsPerFrame))
        bytes.appendLittleEndian(UInt32(frameCount))
        bytes.appendLittleEndian(UInt64(fileSize))
        bytes += tokenizerSHA256
        bytes.appendLittleEndian(scopeCode)
        bytes += [UInt8](repeating: 0, count: Self.checksumOffset - bytes.count)
        bytes.appendLittleEndian(Self.checksum(bytes, table))
        return bytes
    }

    /// The first eight bytes of SHA-256 over the header before the checksum field, then the table.
    static func checksum(_ header: [UInt8], _ table: [UInt8]) -> UInt64 {
        var hasher = SHA256()
        hasher.update(header.prefix(checksumOffset))
        hasher.update(table)
        return hasher.finalize().prefix(8).enumerated().reduce(0) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
    }

    /// Parses and checks a header; `table` is read separately once the frame count is known.
    public static func decode(_ bytes: [UInt8]) throws(ShardError) -> ShardHeader {
        guard bytes.count >= size else { throw ShardError("file is shorter than a shard header (\(bytes.count) bytes)") }
        guard Array(bytes[0..<8]) == magic else { throw ShardError("not a hapax shard (bad magic)") }
        let version = bytes.littleEndian(UInt32.self, at: 8)
        guard version == Self.version else { throw ShardError("shard format version \(version), this hapax reads version \(Self.version)") }
        let header = ShardHeader(
            tokenWidth: Int(bytes.littleEndian(UInt32.self, at: 12)),
            vocabularySize: Int(bytes.littleEndian(UInt32.self, at: 16)),
            windowLength: Int(bytes.littleEndian(UInt32.self, at: 20)),
            windowCount: Int(clamping: bytes.littleEndian(UInt64.self, at: 24)),
            windowsPerFrame: Int(bytes.littleEndian(UInt32.self, at: 32)),
            frameCount: Int(bytes.littleEndian(UInt32.self, at: 36)),
            fileSize: Int(clamping: bytes.littleEndian(UInt64.self, at: 40)),
            tokenizerSHA256: Array(bytes[48..<80]),
            scopeCode: bytes.littleEndian(UInt32.self, at: 80))
        guard header.tokenWidth == 2 || header.tokenWidth == 4 else { throw ShardError("token width \(header.tokenWidth) is neither 2 nor 4") }
        guard header.vocabularySize >= 1 else { throw ShardError("vocabulary size is 0") }
        guard header.windowLength >= 2, header.windowLength <= maximumWindowLength, header.windowsPerFrame >= 1,
              header.windowsPerFrame <= maximumFrameTokens / header.windowLength, header.windowCount < 1 << 48, header.fileSize < 1 << 56,
              header.frameCount == (header.windowCount + header.windowsPerFrame - 1) / header.windowsPerFrame else {
            throw ShardError("inconsistent header: \(header.windowCount) windows of \(header.windowLength) tokens in \(header.frameCount) frames of \(header.windowsPerFrame)")
        }
        return header
    }

    func verifyChecksum(_ headerBytes: [UInt8], _ table: [UInt8]) throws(ShardError) {
        guard headerBytes.littleEndian(UInt64.self, at: Self.checksumOffset) == Self.checksum(headerBytes, table) else {
            throw ShardError("header or frame table checksum mismatch (the file is corrupt)")
        }
    }
}

public struct ShardError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension Array where Element == UInt8 {
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }

    func littleEndian<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T {
        var value: T = 0
        for k in 0..<MemoryLayout<T>.size { value |= T(self[offset + k]) << (8 * k) }
        return value
    }
}
