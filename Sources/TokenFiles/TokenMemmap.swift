import Foundation

/// A flat file of token ids (`--format tokens`), documents ending after each end-of-text id, in one of
/// three layouts told apart by the first bytes:
///
/// - a NumPy `.npy` array: `\x93NUMPY`, a version byte pair, the header's length (u16 for version 1,
///   u32 for 2 and 3) and the header, a Python dict whose `descr` must be the dtype given (`<u2`,
///   `<u4`) and `fortran_order` False; the ids follow.
/// - llm.c's `.bin`: a header of 256 int32, the first 20240520, the second the version (1: uint16
///   ids, 2: uint32), the third the number of ids; the ids follow at byte 1024.
/// - raw ids from the first byte (nanoGPT's `train.bin`, OLMo and Dolma's memmaps named `.npy`).
public struct TokenMemmap: Sendable {
    public let path: String
    public let dtype: TokenType
    /// The byte where the first id is, and how many ids there are.
    public let dataStart: Int
    public let count: Int

    public static let llmcMagic: Int32 = 20240520

    public init(path: String, dtype: TokenType) throws(TokenFileError) {
        self.path = path
        self.dtype = dtype
        guard let size = fileBytes(path), let handle = FileHandle(forReadingAtPath: path) else { throw TokenFileError("\(path): cannot read") }
        defer { try? handle.close() }
        let head = [UInt8]((try? handle.read(upToCount: 1024)) ?? Data())
        if head.starts(with: [0x93] + Array("NUMPY".utf8)) {
            guard head.count >= 8 else { throw TokenFileError("\(path): a NumPy header cut short") }
            let major = head[6]
            let lengthBytes = major == 1 ? 2 : 4
            // Versions 2 and 3 have a 4-byte length: a file of 10 or 11 bytes has only part of it.
            guard head.count >= 8 + lengthBytes else { throw TokenFileError("\(path): a NumPy header cut short") }
            let headerLength = head[8..<8 + lengthBytes].reversed().reduce(0) { $0 << 8 | Int($1) }
            dataStart = 8 + lengthBytes + headerLength
            guard dataStart <= head.count, dataStart <= size else { throw TokenFileError("\(path): a NumPy header of \(headerLength) bytes runs past what hapax reads of it") }
            let header = String(decoding: head[(8 + lengthBytes)..<dataStart], as: UTF8.self)
            let descr = dtype == .uint16 ? "<u2" : dtype == .uint32 ? "<u4" : dtype.rawValue
            guard header.contains("'descr': '\(descr)'") || header.contains("'descr': '|\(descr.dropFirst())'") else {
                throw TokenFileError("\(path): its NumPy header (\(header.trimmingCharacters(in: .whitespacesAndNewlines))) is not a \(dtype.rawValue) array ('descr': '\(descr)'); set --dtype")
            }
            guard header.contains("'fortran_order': False") else { throw TokenFileError("\(path): a Fortran-ordered NumPy array") }
        } else if head.count >= 12, head.withUnsafeBytes({ Int32(littleEndian: $0.loadUnaligned(as: Int32.self)) }) == Self.llmcMagic {
            let (version, tokens) = head.withUnsafeBytes { bytes in
                (Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4, as: Int32.self)),
                 Int(Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: Int32.self))))
            }
            let stored: TokenType? = version == 1 ? .uint16 : version == 2 ? .uint32 : nil
            guard stored == dtype else {
                throw TokenFileError("\(path): an llm.c token file of version \(version) (\(stored?.rawValue ?? "unknown ids")), not \(dtype.rawValue); set --dtype")
            }
            dataStart = 1024
            guard tokens >= 0, size == 1024 + tokens * dtype.width else {
                throw TokenFileError("\(path): its llm.c header says \(tokens) ids, but the file holds \((size - 1024) / dtype.width)")
            }
        } else {
            dataStart = 0
        }
        guard (size - dataStart) % dtype.width == 0 else {
            throw TokenFileError("\(path): \(size - dataStart) bytes of ids is not a whole number of \(dtype.rawValue) ids; check --dtype")
        }
        count = (size - dataStart) / dtype.width
    }
}

extension TokenMemmap {
    /// The documents that start in a byte range of the file, in order: a document starts at the first
    /// id or right after an end-of-text id, and takes every id up to and including the next one (or to
    /// the end). Read in chunks, so memory holds a chunk and one document.
    public struct Documents {
        private let memmap: TokenMemmap
        private let handle: FileHandle
        private let endOfText: UInt32
        /// Where the ids end, and where the range's documents stop starting.
        private let dataEnd: Int
        private let end: Int
        private let maximumIds: Int
        /// The byte of the next id to read, and where the next document starts.
        private var position: Int
        private var buffer: [UInt8] = []
        private var bufferStart = 0

        /// Documents starting at bytes `starts`; ids past `maximumIds` in one document are an error.
        public init(_ memmap: TokenMemmap, starts: Range<Int>?, endOfText: UInt32, maximumIds: Int) throws(TokenFileError) {
            guard let handle = FileHandle(forReadingAtPath: memmap.path) else { throw TokenFileError("\(memmap.path): cannot read") }
            self.memmap = memmap
            self.handle = handle
            self.endOfText = endOfText
            self.maximumIds = maximumIds
            dataEnd = memmap.dataStart + memmap.count * memmap.dtype.width
            let first = max(starts?.lowerBound ?? 0, memmap.dataStart)
            // The first id at or after `first`.
            position = memmap.dataStart + (first - memmap.dataStart + memmap.dtype.width - 1) / memmap.dtype.width * memmap.dtype.width
            end = min(starts?.upperBound ?? dataEnd, dataEnd)
            if position > memmap.dataStart && position < end {
                // Unless the id before ends a document, the one under way belongs to the range before.
                let previous = try id(at: position - memmap.dtype.width)
                if previous != endOfText {
                    while position < dataEnd, try id(at: position) != endOfText { position += memmap.dtype.width }
                    position += memmap.dtype.width
                }
            }
        }

        private mutating func id(at offset: Int) throws(TokenFileError) -> UInt32 {
            let width = memmap.dtype.width
            if offset < bufferStart || offset + width > bufferStart + buffer.count {
                do {
                    try handle.seek(toOffset: UInt64(offset))
                    buffer = [UInt8](try handle.read(upToCount: 1 << 20) ?? Data())
                } catch { throw TokenFileError("\(memmap.path): cannot read at byte \(offset)") }
                bufferStart = offset
                guard buffer.count >= width else { throw TokenFileError("\(memmap.path): ends early, at byte \(offset)") }
            }
            return buffer.withUnsafeBytes { memmap.dtype.id($0, at: offset - bufferStart) } ?? UInt32.max
        }

        /// The next document: the byte where it starts and its ids.
        public mutating func next() throws(TokenFileError) -> (start: Int, ids: [UInt32])? {
            guard position < end else { return nil }
            let start = position
            var ids: [UInt32] = []
            while position < dataEnd {
                let id = try id(at: position)
                position += memmap.dtype.width
                ids.append(id)
                guard ids.count <= maximumIds else {
                    throw TokenFileError("\(memmap.path): the document at byte \(start) has more than \(maximumIds) ids, longer than a work unit; raise --unit-size")
                }
                if id == endOfText { break }
            }
            return (start, ids)
        }
    }
}
