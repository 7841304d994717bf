import Foundation

/// A Megatron indexed dataset (`NAME.idx` beside `NAME.bin`), as megatron-core's `IndexedDataset`
/// reads it and GPT-NeoX writes it (the Pythia Pile among others). The index, all little-endian:
///
/// - the magic `MMIDIDX\0\0` (9 bytes), a u64 version (1), a u8 dtype code (1 uint8, 2 int8, 3 int16,
///   4 int32, 5 int64, 6 float64, 7 float32, 8 uint16), a u64 sequence count `S` and a u64 document
///   index count `D`;
/// - `S` int32 sequence lengths (in tokens), `S` int64 sequence pointers (byte offsets into the
///   `.bin`), and `D` int64 document indices: document `k` is sequences `doc[k] ..< doc[k + 1]`, so
///   `doc[0] = 0` and `doc[D - 1] = S`. (A multimodal index adds `S` int8 modes after them.)
///
/// The `.bin` holds each sequence's ids in the dtype, one after another. hapax reads integer dtypes
/// and checks every count, pointer and index against the two files before any id is read.
public struct MegatronIndex: Sendable {
    public static let magic = Array("MMIDIDX".utf8) + [0, 0]

    public let dataPath: String
    public let dtype: TokenType
    /// Per document: the byte where its ids start in the `.bin`, and how many there are.
    public let documents: [(start: Int, count: Int)]
    public let dataBytes: Int

    /// `path` is the `.idx`; the `.bin` is beside it.
    public init(path: String) throws(TokenFileError) {
        guard path.hasSuffix(".idx") else { throw TokenFileError("\(path): a Megatron dataset is named by its .idx file") }
        dataPath = String(path.dropLast(4)) + ".bin"
        guard let data = FileManager.default.contents(atPath: path) else { throw TokenFileError("\(path): cannot read") }
        let bytes = [UInt8](data)
        guard let dataSize = fileBytes(dataPath) else { throw TokenFileError("\(path): its data file \(dataPath) is missing") }
        dataBytes = dataSize
        var reader = LittleEndianReader(bytes: bytes, path: path)
        guard bytes.starts(with: Self.magic) else { throw TokenFileError("\(path): not a Megatron index (no MMIDIDX magic)") }
        reader.position = Self.magic.count
        let version = try reader.u64()
        guard version == 1 else { throw TokenFileError("\(path): index version \(version), hapax reads version 1") }
        let code = try reader.u8()
        guard let dtype = TokenType(megatronCode: code) else {
            throw TokenFileError("\(path): dtype code \(code) is not an integer type Megatron writes (1 uint8, 2 int8, 3 int16, 4 int32, 5 int64, 8 uint16)")
        }
        self.dtype = dtype
        let sequences = try reader.count("sequence count"), documentIndices = try reader.count("document count")
        // Each sequence takes 12 bytes of the index and each document index 8: counts past them are lies.
        guard sequences <= reader.remaining / 12, documentIndices <= reader.remaining / 8, documentIndices >= 1 else {
            throw TokenFileError("\(path): \(sequences) sequences and \(documentIndices) document indices do not fit its \(bytes.count) bytes")
        }
        let lengths = try (0..<sequences).map { _ throws(TokenFileError) in try reader.i32() }
        let pointers = try (0..<sequences).map { _ throws(TokenFileError) in try reader.i64() }
        let starts = try (0..<documentIndices).map { _ throws(TokenFileError) in try reader.i64() }
        guard starts.first == 0, starts.last == Int64(sequences), zip(starts, starts.dropFirst()).allSatisfy({ $0 <= $1 }) else {
            throw TokenFileError("\(path): the document indices do not run from 0 to the \(sequences) sequences in order")
        }
        var expected: Int64 = 0
        for k in 0..<sequences {
            guard lengths[k] >= 0, pointers[k] == expected else {
                throw TokenFileError("\(path): sequence \(k) starts at byte \(pointers[k]) of \(dataPath), not at \(expected) where the one before ends")
            }
            expected += Int64(lengths[k]) * Int64(dtype.width)
        }
        guard expected == Int64(dataSize) else {
            throw TokenFileError("\(path): its sequences take \(expected) bytes, but \(dataPath) has \(dataSize)")
        }
        documents = zip(starts, starts.dropFirst()).map { first, end in
            let tokens = (Int(first)..<Int(end)).reduce(0) { $0 + Int(lengths[$1]) }
            let start = first < Int64(sequences) ? Int(pointers[Int(first)]) : dataSize
            return (start, tokens)
        }
    }
}

/// The integer types token ids are stored in.
public enum TokenType: String, Sendable, CaseIterable {
    case uint8, int8, int16, uint16, int32, uint32, int64

    public var width: Int {
        switch self {
        case .uint8, .int8: 1
        case .int16, .uint16: 2
        case .int32, .uint32: 4
        case .int64: 8
        }
    }

    init?(megatronCode: UInt8) {
        guard let type = Self.allCases.first(where: { $0.megatronCode == megatronCode }) else { return nil }
        self = type
    }

    /// The id stored at `bytes[offset...]`, nil when negative or past UInt32.
    @inline(__always)
    public func id(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt32? {
        switch self {
        case .uint8: return UInt32(bytes[offset])
        case .int8: let v = Int8(bitPattern: bytes[offset]); return v < 0 ? nil : UInt32(v)
        case .uint16: return UInt32(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
        case .int16: let v = Int16(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: Int16.self)); return v < 0 ? nil : UInt32(v)
        case .uint32: return UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
        case .int32: let v = Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: Int32.self)); return v < 0 ? nil : UInt32(v)
        case .int64:
            let v = Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: Int64.self))
            return v < 0 || v > Int64(UInt32.max) ? nil : UInt32(v)
        }
    }
}

public struct TokenFileError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

func fileBytes(_ path: String) -> Int? {
    var status = stat()
    return stat(path, &status) == 0 ? Int(status.st_size) : nil
}

struct LittleEndianReader {
    let bytes: [UInt8]
    let path: String
    var position = 0
    var remaining: Int { bytes.count - position }

    mutating func load<T: FixedWidthInteger>(_ type: T.Type) throws(TokenFileError) -> T {
        guard remaining >= MemoryLayout<T>.size else { throw TokenFileError("\(path): the index ends early, at byte \(position)") }
        let value = bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: position, as: T.self)) }
        position += MemoryLayout<T>.size
        return value
    }

    mutating func u8() throws(TokenFileError) -> UInt8 { try load(UInt8.self) }
    mutating func u64() throws(TokenFileError) -> UInt64 { try load(UInt64.self) }
    mutating func i32() throws(TokenFileError) -> Int32 { try load(Int32.self) }
    mutating func i64() throws(TokenFileError) -> Int64 { try load(Int64.self) }

    mutating func count(_ what: String) throws(TokenFileError) -> Int {
        let value = try u64()
        guard value <= UInt64(Int.max) else { throw TokenFileError("\(path): \(what) \(value) is not a count") }
        return Int(value)
    }
}
