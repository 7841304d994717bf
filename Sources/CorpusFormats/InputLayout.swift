/// Where the documents of a run come from, placed so that any share of the work can be found
/// without reading what comes before it.
///
/// The inputs, in order, are laid end to end in one byte space, each taking its size on disk
/// (standard input takes none: its size is unknown). The space is cut into **blocks** of
/// `blockBytes`. A document belongs to the block holding its start: the position of its line for an
/// uncompressed JSON Lines file, which can therefore be entered at any byte, the first byte of its row
/// group for a Parquet file, and the position of the file itself for every other input (a plain-text file is one document; a compressed file can only
/// be read from its start). Work units never span blocks, so a block's units are the same whoever
/// reads it, and a part of a run is a range of blocks.
public struct InputLayout: Sendable {
    public struct Entry: Sendable {
        public let path: String
        public let bytes: Int
        public let format: InputFormat
        /// Where the input starts in the byte space.
        public let start: Int
        /// Whether its documents can be reached from any byte: an uncompressed JSON Lines file, a
        /// Parquet file (whose footer places its row groups), a Megatron dataset (its index places
        /// its documents in the `.bin`, whose size it takes) or a token file (a stream, such as the
        /// standard input or a named pipe, has no size and is read whole).
        public var divisible: Bool { format != .plainText && Compression(path: path) == .none && bytes > 0 }
    }

    /// What a reader reads of one input: the documents starting in `lineStarts` (a byte range of
    /// the file), or all of them when nil.
    public struct Piece: Sendable {
        public let input: Int
        public let lineStarts: Range<Int>?
    }

    public let entries: [Entry]
    public let blockBytes: Int
    /// Bytes of input each block's documents come from: the block's share of every divisible input,
    /// and the whole of every other input that starts in it. Its count is the number of blocks.
    let bytesPerBlock: [Int]

    public init(inputs: [(path: String, bytes: Int)], format: FormatChoice, blockBytes: Int) {
        var start = 0
        entries = inputs.map { input in
            defer { start += input.bytes }
            return Entry(path: input.path, bytes: input.bytes, format: format.format(of: input.path), start: start)
        }
        self.blockBytes = blockBytes
        bytesPerBlock = Self.bytesPerBlock(entries, blockBytes: blockBytes)
    }

    public func block(at position: Int) -> Int { position / blockBytes }

    /// The blocks that hold documents' starts: up to the last byte of the last divisible input, or
    /// the start of the last other input.
    public var blockCount: Int { bytesPerBlock.count }

    private static func bytesPerBlock(_ entries: [Entry], blockBytes: Int) -> [Int] {
        func block(at position: Int) -> Int { position / blockBytes }
        let count = entries.map { $0.divisible ? block(at: $0.start + $0.bytes - 1) + 1 : block(at: $0.start) + 1 }.max() ?? 0
        var mass = [Int](repeating: 0, count: count)
        for entry in entries {
            if entry.divisible {
                var position = entry.start
                let end = entry.start + entry.bytes
                while position < end {
                    let next = min(end, (block(at: position) + 1) * blockBytes)
                    mass[block(at: position)] += next - position
                    position = next
                }
            } else {
                mass[block(at: entry.start)] += entry.bytes
            }
        }
        return mass
    }

    /// The blocks of part `index` of `count`: consecutive blocks, cut where the bytes read so far
    /// pass each multiple of 1/count of the total, so that parts read about the same number of bytes
    /// (exactly so up to one block or one indivisible input).
    public func blocks(part index: Int, of count: Int) -> Range<Int> {
        let mass = bytesPerBlock
        let total = mass.reduce(0, +)
        var before = 0, first = mass.count, last = mass.count
        for (block, bytes) in mass.enumerated() {
            // before × count can pass Int.max on a large corpus: multiply at full width.
            let part = total > 0 ? min(count - 1, total.dividingFullWidth(before.multipliedFullWidth(by: count)).quotient) : 0
            if part == index && first == mass.count { first = block }
            if part > index { last = block; break }
            before += bytes
        }
        return first < last ? first..<last : mass.count..<mass.count
    }

    /// What to read for the documents of `blocks`, in input order.
    public func pieces(for blocks: Range<Int>) -> [Piece] {
        let low = blocks.lowerBound * blockBytes, high = blocks.upperBound * blockBytes
        return entries.indices.compactMap { i in
            let entry = entries[i]
            if entry.divisible {
                let from = max(low - entry.start, 0), to = min(high - entry.start, entry.bytes)
                guard from < to else { return nil }
                return Piece(input: i, lineStarts: from == 0 && to == entry.bytes ? nil : from..<to)
            }
            return blocks.contains(block(at: entry.start)) ? Piece(input: i, lineStarts: nil) : nil
        }
    }

    /// Bytes of input the pieces of `blocks` read, for progress.
    public func bytesRead(in blocks: Range<Int>) -> Int {
        blocks.clamped(to: 0..<bytesPerBlock.count).reduce(0) { $0 + bytesPerBlock[$1] }
    }
}
