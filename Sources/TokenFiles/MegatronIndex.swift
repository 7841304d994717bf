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
///   GPT-NeoX's `merge_datasets.py` appends sequences without extending the document indices, which
///   then stop short of `S` (`doc = [0]`); NeoX trains on such a file sequence by sequence.
///
/// The `.bin` holds each sequence's ids in the dtype, one after another. hapax reads integer dtypes
/// and checks every count, pointer and index against the two files before any id is read. The index
/// is read through a window, never held whole: the Pile's 134 million documents take 2.7 GB of it.
public struct MegatronIndex: Sendable {
    public static let magic = Array("MMIDIDX".utf8) + [0, 0]

    /// What one item of the dataset is.
    public enum Unit: Sendable {
        /// A document of the index (its sequences together).
        case document
        /// A sequence alone: a training sample of a pre-shuffled dataset (`shard --packed`), or every
        /// sequence of a merged dataset whose document indices stop short.
        case sequence
    }

    public let path: String
    public let dataPath: String
    public let dtype: TokenType
    public let dataBytes: Int
    public let sequenceCount: Int
    /// Whether the document indices stop short of the last sequence (a dataset merged by GPT-NeoX).
    public let documentsStopShort: Bool
    public let unit: Unit
    private let documentIndexCount: Int
    private let lengthsOffset: Int, pointersOffset: Int, documentsOffset: Int

    /// How many items there are: documents, or sequences when `unit` is `.sequence`.
    public var count: Int { unit == .sequence ? sequenceCount : documentIndexCount - 1 }

    /// `path` is the `.idx`; the `.bin` is beside it. Items are documents unless `sequences` asks for
    /// sequences or the document indices stop short.
    public init(path: String, sequences: Bool = false) throws(TokenFileError) {
        guard path.hasSuffix(".idx") else { throw TokenFileError("\(path): a Megatron dataset is named by its .idx file") }
        self.path = path
        dataPath = String(path.dropLast(4)) + ".bin"
        guard let indexBytes = fileBytes(path) else { throw TokenFileError("\(path): cannot read") }
        guard let dataSize = fileBytes(dataPath) else { throw TokenFileError("\(path): its data file \(dataPath) is missing") }
        dataBytes = dataSize
        let index = try FileWindow(path: path)
        let headerBytes = Self.magic.count + 8 + 1 + 8 + 8
        guard indexBytes >= Self.magic.count, try index.withBytes(at: 0, count: Self.magic.count, { Array($0) }) == Self.magic else {
            throw TokenFileError("\(path): not a Megatron index (no MMIDIDX magic)")
        }
        guard indexBytes >= headerBytes else { throw TokenFileError("\(path): the index ends early, at byte \(indexBytes)") }
        let version = try index.load(UInt64.self, at: 9)
        guard version == 1 else { throw TokenFileError("\(path): index version \(version), hapax reads version 1") }
        let code = try index.load(UInt8.self, at: 17)
        guard let dtype = TokenType(megatronCode: code) else {
            throw TokenFileError("\(path): dtype code \(code) is not an integer type Megatron writes (1 uint8, 2 int8, 3 int16, 4 int32, 5 int64, 8 uint16)")
        }
        self.dtype = dtype
        let storedSequences = try index.load(UInt64.self, at: 18), documentIndices = try index.load(UInt64.self, at: 26)
        // Each sequence takes 12 bytes of the index and each document index 8: counts past them are lies.
        let room = UInt64(indexBytes - headerBytes)
        guard storedSequences <= room / 12, documentIndices <= (room - storedSequences * 12) / 8, documentIndices >= 1 else {
            throw TokenFileError("\(path): \(storedSequences) sequences and \(documentIndices) document indices do not fit its \(indexBytes) bytes")
        }
        sequenceCount = Int(storedSequences)
        documentIndexCount = Int(documentIndices)
        lengthsOffset = headerBytes
        pointersOffset = lengthsOffset + 4 * sequenceCount
        documentsOffset = pointersOffset + 8 * sequenceCount

        // One pass over each column, checked as it streams by; a window per column, since one
        // window would move back and forth between them.
        var expected: Int64 = 0
        let pointers = try FileWindow(path: path)
        for k in 0..<sequenceCount {
            let length = try index.load(Int32.self, at: lengthsOffset + 4 * k)
            let pointer = try pointers.load(Int64.self, at: pointersOffset + 8 * k)
            guard length >= 0, pointer == expected else {
                throw TokenFileError("\(path): sequence \(k) starts at byte \(pointer) of \(dataPath), not at \(expected) where the one before ends")
            }
            expected += Int64(length) * Int64(dtype.width)
            // Checked as it grows, so a hostile index cannot overflow it.
            guard expected <= Int64(dataSize) else { break }
        }
        guard expected == Int64(dataSize) else {
            throw TokenFileError("\(path): its sequences take \(expected > Int64(dataSize) ? "more than \(dataSize)" : "\(expected)") bytes, but \(dataPath) has \(dataSize)")
        }
        var previous: Int64 = -1
        for k in 0..<documentIndexCount {
            let first = try index.load(Int64.self, at: documentsOffset + 8 * k)
            guard k > 0 || first == 0, first >= previous, first <= Int64(storedSequences) else {
                throw TokenFileError("\(path): the document indices do not run from 0 to at most the \(storedSequences) sequences in order (index \(k) is \(first))")
            }
            previous = first
        }
        documentsStopShort = previous < Int64(storedSequences)
        unit = sequences || documentsStopShort ? .sequence : .document
    }

    /// Reads the items of a dataset in order: where each starts in the `.bin`, how many ids it has,
    /// and its ids. Holds a window of each file, whatever their sizes.
    public final class Reader {
        public let index: MegatronIndex
        /// A window on each column of the index, and one on the data.
        private let lengths: FileWindow, pointers: FileWindow, documents: FileWindow
        private let dataFile: FileWindow

        public init(_ index: MegatronIndex) throws(TokenFileError) {
            self.index = index
            lengths = try FileWindow(path: index.path)
            pointers = try FileWindow(path: index.path)
            documents = try FileWindow(path: index.path)
            dataFile = try FileWindow(path: index.dataPath)
        }

        private func length(_ sequence: Int) throws(TokenFileError) -> Int {
            Int(try lengths.load(Int32.self, at: index.lengthsOffset + 4 * sequence))
        }

        private func firstSequence(_ document: Int) throws(TokenFileError) -> Int {
            Int(try documents.load(Int64.self, at: index.documentsOffset + 8 * document))
        }

        /// The byte of the `.bin` where item `k` starts (the end of the data for an empty item past
        /// the last sequence).
        public func start(_ k: Int) throws(TokenFileError) -> Int {
            let sequence = index.unit == .sequence ? k : try firstSequence(k)
            guard sequence < index.sequenceCount else { return index.dataBytes }
            return Int(try pointers.load(Int64.self, at: index.pointersOffset + 8 * sequence))
        }

        /// Item `k`'s ids: how many there are.
        public func idCount(_ k: Int) throws(TokenFileError) -> Int {
            guard index.unit == .document else { return try length(k) }
            var total = 0
            for sequence in try firstSequence(k)..<firstSequence(k + 1) { total += try length(sequence) }
            return total
        }

        /// The first item starting at or after byte `offset` of the `.bin` (`count` if none does):
        /// starts never decrease, so a binary search finds it.
        public func firstItem(startingAtOrAfter offset: Int) throws(TokenFileError) -> Int {
            var low = 0, high = index.count
            while low < high {
                let middle = (low + high) / 2
                if try start(middle) < offset { low = middle + 1 } else { high = middle }
            }
            return low
        }

        /// The `count` ids from byte `start` of the `.bin`, which must all be ids (not negative).
        public func ids(item k: Int, start: Int, count: Int) throws(TokenFileError) -> [UInt32] {
            let dtype = index.dtype
            return try dataFile.withBytes(at: start, count: count * dtype.width) { bytes throws(TokenFileError) in
                var ids = [UInt32](repeating: 0, count: count)
                for i in 0..<count {
                    guard let id = dtype.id(bytes, at: i * dtype.width) else {
                        throw TokenFileError("\(index.dataPath): \(index.unit == .document ? "document" : "sequence") \(k) holds a negative id at byte \(start + i * dtype.width)")
                    }
                    ids[i] = id
                }
                return ids
            }
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
