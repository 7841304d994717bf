import Foundation

/// A BPE model: token spellings, merge rules, and the encoding of one piece.
///
/// Encoding a piece first looks the whole piece up (tiktoken's shortcut), then merges its symbols
/// pairwise, always the adjacent pair of lowest priority, leftmost on ties; tiktoken, Hugging Face
/// and SentencePiece agree on that order. Hugging Face and SentencePiece do not take the shortcut, so
/// for their models the whole-piece table only holds tokens that merging their own symbols
/// reproduces, where the shortcut cannot change the result.
///
/// Merging starts from bytes (byte-level BPE) or from characters (SentencePiece BPE and its Hugging
/// Face form, whose tokens are spelled in text with `▁` for the space).
struct BytePairModel: Sendable {
    /// Which tokens a whole piece is looked up among before merging: any, only those that merging
    /// their own characters reproduces, or none (every piece merges, through the per-thread cache).
    enum Shortcut { case anyToken, selfConsistentTokens, none }

    /// How two adjacent parts of a piece merge.
    enum Merges: Sendable {
        /// By the pair rules a file lists (Hugging Face, SentencePiece).
        case listed(MergeTable)
        /// By tiktoken's rule (rank files, Tekken): into the token their bytes spell together, at
        /// that token's rank, which is its id. Looked up in the piece itself, as tiktoken does, so a
        /// rank file needs no table of pair rules: deriving one had cost more processor time than
        /// encoding a few megabytes.
        case ranks
        /// By sentencepiece's rule (SentencePiece BPE): into the piece their characters spell
        /// together, at `priorities[id]` of that piece (UInt32.max: a piece merging never forms).
        /// Looked up as sentencepiece looks it up, so loading derives no rules: deriving them had
        /// cost most of a 32,000-piece model's loading time.
        case spelled(priorities: [UInt32])
    }

    /// What merging starts from.
    enum Alphabet: Sendable {
        /// Each byte is the token of that single byte.
        case bytes
        /// Each character is the token spelled as that character. A character the vocabulary lacks
        /// becomes the tokens of its bytes (`byteTokens`, SentencePiece's `<0xXX>`, UInt32.max for a
        /// byte without one) when given and all its bytes have one, else `unknown`: once per
        /// character, or once per run of them when `fusesUnknown` (Hugging Face's `fuse_unk`).
        case characters(byteTokens: [UInt32]?, unknown: UInt32, fusesUnknown: Bool)
    }

    let spellings: TokenSpellings
    let vocabulary: ByteStringTable
    private let merges: Merges
    let alphabet: Alphabet
    private var wholePieces: ByteStringTable
    private let byteTokens: [UInt32]
    /// The tokens of the one-byte characters, for the character alphabet (UInt32.max: none).
    private let asciiTokens: [UInt32]
    /// Where a piece may be cut, each part encoded alone, for the character alphabet: SentencePiece
    /// encodes a whole text as one piece, which would merge quadratically or through a heap, and take
    /// the whole-piece shortcut and the cache only for whole texts. A merge's result is a token, so no
    /// merge crosses a boundary between two characters that no token holds side by side. `joins`
    /// says which do, for classes of characters: each ASCII byte its own class, any other character
    /// class 128 (`▁` too), two of which join only as some token holds them (`joinedPairs`). And
    /// where no token holds another character followed by `▁`, a piece may
    /// also be cut before each run of `▁`: words then become parts of their own.
    private let joins: [Bool]
    private static let classes = 129
    /// Within class 128, the pairs some token holds exactly.
    private let joinedPairs: CharacterPairs
    private let cutsBeforeSpaceRuns: Bool
    /// Cutting holds only while merges start from characters: off when a rule merges a byte-fallback
    /// or unknown token (a tokenizer.json may have one), which stands for no character of the text.
    private let cuts: Bool
    private let partsTakeShortcut: Bool

    /// `tokens[id]` is the spelling of token `id`, empty for ids the model does not use; `vocabulary`
    /// is their table when the caller has built it.
    init(tokens: TokenSpellings, vocabulary: ByteStringTable? = nil, merges: Merges, shortcut: Shortcut,
         alphabet: Alphabet = .bytes) throws(TokenizerError) {
        // Only the character alphabet and the consistency check list the ids in use: a rank file's
        // hundred thousand are not listed again.
        func usedIds() -> [Int] { (0..<tokens.count).filter { !tokens.isEmpty($0) } }
        let vocabulary = vocabulary ?? ByteStringTable.indexing(tokens).table
        var byteTokens: [UInt32] = []
        if case .bytes = alphabet {
            for byte in 0...255 {
                guard let id = vocabulary.id(of: [UInt8(byte)]) else {
                    // Text reaches the model as valid UTF-8 (invalid input is replaced by U+FFFD or
                    // refused), which never holds these bytes: Pythia's GPT-NeoX-20B vocabulary lacks them.
                    if Self.neverInUTF8(UInt8(byte)) { byteTokens.append(UInt32.max); continue }
                    throw TokenizerError("the vocabulary has no token for the single byte \(hex(UInt8(byte))), so some text cannot be encoded")
                }
                byteTokens.append(id)
            }
        }
        self.spellings = tokens
        self.vocabulary = vocabulary
        self.merges = merges
        self.alphabet = alphabet
        self.byteTokens = byteTokens
        self.asciiTokens = (0..<128).map { vocabulary.id(of: [UInt8($0)]) ?? UInt32.max }
        self.wholePieces = vocabulary
        var joins = [Bool](repeating: false, count: Self.classes * Self.classes)
        var joinedPairs = CharacterPairs()
        if case .characters(let byteTokens, let unknown, _) = alphabet {
            let used = usedIds()
            for id in used {
                let spelling = tokens[id]
                var previous: Int?
                var previousKey: UInt32 = 0
                for i in spelling.indices where spelling[i] & 0xC0 != 0x80 {
                    let byte = spelling[i]
                    let current = byte < 0x80 ? Int(byte) : 128
                    if let previous { joins[previous * Self.classes + current] = true }
                    let width = min(Self.width(lead: byte), spelling.endIndex - i)
                    let key = current == 128 ? CharacterPairs.key(spelling, at: i, width: width) : 0
                    if previous == 128 && current == 128 { joinedPairs.insert(previousKey, key) }
                    previous = current
                    previousKey = key
                }
            }
            self.cutsBeforeSpaceRuns = !used.contains { Self.holdsSpaceAfterOtherCharacter(tokens[$0]) }
            // With some byte tokens missing, an unknown token moves past the byte tokens after it,
            // maybe across a cut.
            if byteTokens?.contains(UInt32.max) ?? false {
                self.cuts = false
            } else if case .listed(let table) = merges {
                self.cuts = !table.involves(Set((byteTokens ?? []) + [unknown]))
            } else if case .spelled = merges {
                // A byte token spells part of a character, which no piece is, and the unknown token
                // never merges (`SpelledConcatenations`).
                self.cuts = true
            } else {
                self.cuts = true
            }
        } else {
            self.cutsBeforeSpaceRuns = false
            self.cuts = false
        }
        self.joins = joins
        self.joinedPairs = joinedPairs
        self.partsTakeShortcut = shortcut == .selfConsistentTokens
        if shortcut == .selfConsistentTokens {
            var scratch = Scratch()
            var output: [UInt32] = []
            let consistent = usedIds().compactMap { id -> (key: [UInt8], id: UInt32)? in
                output.removeAll(keepingCapacity: true)
                let spelling = Array(tokens[id])
                // A spelling holding a byte without a token never comes out of text.
                if case .bytes = alphabet, spelling.contains(where: { byteTokens[Int($0)] == UInt32.max }) { return nil }
                spelling.withUnsafeBufferPointer { mergeSymbols($0, into: &output, &scratch) }
                return output == [UInt32(id)] ? (spelling, UInt32(id)) : nil
            }
            self.wholePieces = ByteStringTable(consistent)
        } else if shortcut == .none {
            self.wholePieces = ByteStringTable([])
        }
    }

    /// The bytes of the character a lead byte begins.
    @inline(__always)
    static func width(lead: UInt8) -> Int { lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4 }

    /// The bytes no well-formed UTF-8 sequence holds: C0 and C1 (overlong leads) and F5 to FF.
    static func neverInUTF8(_ byte: UInt8) -> Bool { byte == 0xC0 || byte == 0xC1 || byte >= 0xF5 }

    /// Whether `spelling` holds a character other than `▁` followed by `▁`.
    private static func holdsSpaceAfterOtherCharacter(_ spelling: ArraySlice<UInt8>) -> Bool {
        var k = spelling.startIndex + 1
        while k + 3 <= spelling.endIndex {
            if isSpaceSymbol(spelling, at: k) && !(k >= spelling.startIndex + 3 && isSpaceSymbol(spelling, at: k - 3)) { return true }
            k += 1
        }
        return false
    }

    /// Whether `▁` (U+2581, E2 96 81) starts at `k`.
    @inline(__always)
    private static func isSpaceSymbol<C: RandomAccessCollection>(_ bytes: C, at k: C.Index) -> Bool where C.Element == UInt8, C.Index == Int {
        bytes[k] == 0xE2 && bytes[k + 1] == 0x96 && bytes[k + 2] == 0x81
    }

    /// Reusable buffers for merging, one per encoding thread, and that thread's cache of merged
    /// pieces (none while the model is being built).
    struct Scratch {
        var ids: [UInt32] = []
        /// Where each part starts in the piece, and the piece's end.
        var starts: [Int] = []
        var pairs: [UInt64] = []
        var cache: MergeCache?

        init(cache: MergeCache? = nil) { self.cache = cache }
    }

    /// Starts reading what `encode` of `piece` will look up first.
    @inline(__always)
    func prefetch(_ piece: UnsafeBufferPointer<UInt8>) { wholePieces.prefetch(piece) }

    @inline(__always)
    func encode(_ piece: UnsafeBufferPointer<UInt8>, into output: inout [UInt32], _ scratch: inout Scratch) {
        if let id = wholePieces.id(of: piece) {
            output.append(id)
        } else if cuts {
            encodeCutting(piece, into: &output, &scratch)
        } else {
            mergeSymbols(piece, into: &output, &scratch)
        }
    }

    private func encodeCutting(_ piece: UnsafeBufferPointer<UInt8>, into output: inout [UInt32], _ scratch: inout Scratch) {
        // Unknown characters on both sides of a cut would have fused into one unknown token.
        var fusedUnknown: UInt32?
        if case .characters(_, let unknown, true) = alphabet { fusedUnknown = unknown }
        let first = output.count
        func encodePart(_ range: Range<Int>) {
            let part = UnsafeBufferPointer(rebasing: piece[range])
            let start = output.count
            // Any token may stand for a whole piece (Hugging Face's `ignore_merges`), but a part only
            // for what merging its characters gives.
            if partsTakeShortcut, let id = wholePieces.id(of: part) { output.append(id) } else { mergeSymbols(part, into: &output, &scratch) }
            if let fusedUnknown, start > first, start < output.count, output[start - 1] == fusedUnknown, output[start] == fusedUnknown {
                output.remove(at: start)
            }
        }
        let n = piece.count
        guard n > 0 else { return }
        var start = 0, i = 1
        var previous = piece[0] < 0x80 ? Int(piece[0]) : 128
        var previousKey = previous == 128 ? CharacterPairs.key(piece, at: 0, width: min(Self.width(lead: piece[0]), n)) : 0
        var previousIsSpace = n >= 3 && Self.isSpaceSymbol(piece, at: 0)
        joins.withUnsafeBufferPointer { joins in
            while i < n {
                let byte = piece[i]
                if byte & 0xC0 == 0x80 {
                    i += 1
                    continue
                }
                let current = byte < 0x80 ? Int(byte) : 128
                let key = current == 128 ? CharacterPairs.key(piece, at: i, width: min(Self.width(lead: byte), n - i)) : 0
                let isSpace = byte == 0xE2 && i + 3 <= n && Self.isSpaceSymbol(piece, at: i)
                let joined = previous == 128 && current == 128 ? joinedPairs.contains(previousKey, key) : joins[previous * Self.classes + current]
                if !joined || (cutsBeforeSpaceRuns && isSpace && !previousIsSpace) {
                    encodePart(start..<i)
                    start = i
                }
                previous = current
                previousKey = key
                previousIsSpace = isSpace
                i += 1
            }
        }
        encodePart(start..<n)
    }

    /// Pieces of more symbols than this merge with a heap; shorter ones with a linear scan, which is
    /// faster for the few symbols of a typical piece but quadratic, and a long white-space run is one
    /// piece.
    static let heapThreshold = 256

    /// The symbols merging starts from, in `ids`, and where each starts in the piece, in `starts`.
    @inline(__always)
    private func initialSymbols(_ piece: UnsafeBufferPointer<UInt8>, into ids: inout [UInt32], starts: inout [Int]) {
        switch alphabet {
        case .bytes:
            for (k, byte) in piece.enumerated() {
                ids.append(byteTokens[Int(byte)])
                starts.append(k)
            }
        case .characters(let fallbackBytes, let unknown, let fusesUnknown):
            // As Hugging Face does, an unknown token waits until the next character the vocabulary
            // has, or the end: byte-fallback tokens in between go before it. (sentencepiece never
            // has both, needing all 256 byte tokens.) It takes that place as its start.
            var i = 0
            var pendingUnknown = false
            while i < piece.count {
                let lead = piece[i]
                let width = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
                let end = min(i + width, piece.count)
                let id = lead < 0x80 ? asciiTokens[Int(lead)] : vocabulary.id(of: UnsafeBufferPointer(rebasing: piece[i..<end])) ?? UInt32.max
                if id != UInt32.max {
                    if pendingUnknown {
                        ids.append(unknown)
                        starts.append(i)
                        pendingUnknown = false
                    }
                    ids.append(id)
                    starts.append(i)
                } else if let fallbackBytes, piece[i..<end].allSatisfy({ fallbackBytes[Int($0)] != UInt32.max }) {
                    for k in i..<end {
                        ids.append(fallbackBytes[Int(piece[k])])
                        starts.append(k)
                    }
                } else {
                    if pendingUnknown && !fusesUnknown {
                        ids.append(unknown)
                        starts.append(i)
                    }
                    pendingUnknown = true
                }
                i = end
            }
            if pendingUnknown {
                ids.append(unknown)
                starts.append(piece.count)
            }
        }
    }

    /// Merges the symbols of `piece` by priority.
    private func mergeSymbols(_ piece: UnsafeBufferPointer<UInt8>, into output: inout [UInt32], _ scratch: inout Scratch) {
        // Reached through `scratch` in place: binding the cache to a name retained and released it
        // for every piece, a tenth of encoding where every word merges (SentencePiece).
        if scratch.cache?.appendIds(of: piece, to: &output) == true { return }
        let start = output.count
        mergeSymbols(piece, into: &output, uncached: &scratch)
        scratch.cache?.store(piece, ids: output[start...])
    }

    private func mergeSymbols(_ piece: UnsafeBufferPointer<UInt8>, into output: inout [UInt32], uncached scratch: inout Scratch) {
        switch merges {
        case .listed(let table): mergeSymbols(piece, into: &output, &scratch, merges: table)
        case .ranks: mergeSymbols(piece, into: &output, &scratch, merges: RankedConcatenations(vocabulary: vocabulary))
        case .spelled(let priorities):
            guard case .characters(_, let unknown, _) = alphabet else { preconditionFailure("spelled merges start from characters") }
            mergeSymbols(piece, into: &output, &scratch,
                         merges: SpelledConcatenations(vocabulary: vocabulary, priorities: priorities, unknown: unknown))
        }
    }

    @inline(__always)
    private func mergeSymbols<Merges: PairMerges>(_ piece: UnsafeBufferPointer<UInt8>, into output: inout [UInt32], _ scratch: inout Scratch,
                                                 merges: Merges) {
        scratch.ids.removeAll(keepingCapacity: true)
        scratch.starts.removeAll(keepingCapacity: true)
        scratch.pairs.removeAll(keepingCapacity: true)
        initialSymbols(piece, into: &scratch.ids, starts: &scratch.starts)
        scratch.starts.append(piece.count)
        let n = scratch.ids.count
        if n > Self.heapThreshold {
            mergeLongPiece(piece, scratch.ids, starts: scratch.starts, merges: merges, into: &output)
            return
        }
        var count = n
        scratch.ids.withUnsafeMutableBufferPointer { ids in
            scratch.starts.withUnsafeMutableBufferPointer { starts in
                // The pair of parts k and k + 1.
                func pair(_ k: Int) -> UInt64 {
                    merges.merge(ids[k], ids[k + 1], spelling: UnsafeBufferPointer(rebasing: piece[starts[k]..<starts[k + 2]]))
                }
                for k in 0..<max(n - 1, 0) { scratch.pairs.append(pair(k)) }
                scratch.pairs.withUnsafeMutableBufferPointer { pairs in
                    while count > 1 {
                        var best = MergeTable.none
                        var at = -1
                        for k in 0..<(count - 1) where MergeTable.priority(pairs[k]) < MergeTable.priority(best) {
                            best = pairs[k]
                            at = k
                        }
                        if at < 0 { break }
                        ids[at] = UInt32(truncatingIfNeeded: best)
                        for k in (at + 1)..<(count - 1) { ids[k] = ids[k + 1] }
                        for k in (at + 1)..<count { starts[k] = starts[k + 1] }
                        for k in at..<max(count - 2, at) { pairs[k] = pairs[k + 1] }
                        count -= 1
                        if at > 0 { pairs[at - 1] = pair(at - 1) }
                        if at < count - 1 { pairs[at] = pair(at) }
                    }
                }
            }
        }
        output.append(contentsOf: scratch.ids[0..<count])
    }

    /// The same merge order in O(n log n): symbols in a linked list over their positions, candidate
    /// pairs in a min-heap keyed by (priority, position), so ties go to the leftmost pair. Entries go
    /// stale when a neighbour merges; a popped entry is used only if its pair still holds.
    /// `starts` holds where each symbol starts in `piece`, then the piece's end.
    private func mergeLongPiece<Merges: PairMerges>(_ piece: UnsafeBufferPointer<UInt8>, _ symbols: [UInt32], starts: [Int],
                                                   merges: Merges, into output: inout [UInt32]) {
        var ids = symbols
        let n = ids.count
        var next = Array(1...n)            // n marks the end
        var previous = Array(-1..<(n - 1))
        var alive = [Bool](repeating: true, count: n)
        var heap = BinaryHeap<(merge: UInt64, position: Int)> { a, b in
            let pa = MergeTable.priority(a.merge), pb = MergeTable.priority(b.merge)
            return pa != pb ? pa < pb : a.position < b.position
        }
        // The pair of the part at `k` and the part after it (`starts[n]` is the piece's end).
        func pair(_ k: Int) -> UInt64 {
            let right = next[k]
            return merges.merge(ids[k], ids[right], spelling: UnsafeBufferPointer(rebasing: piece[starts[k]..<starts[next[right]]]))
        }
        for k in 0..<(n - 1) {
            let merge = pair(k)
            if merge != MergeTable.none { heap.push((merge, k)) }
        }
        while let (merge, at) = heap.pop() {
            let right = next[at]
            guard alive[at], right < n, pair(at) == merge else { continue }
            ids[at] = UInt32(truncatingIfNeeded: merge)
            alive[right] = false
            next[at] = next[right]
            if next[at] < n { previous[next[at]] = at }
            if previous[at] >= 0 {
                let left = pair(previous[at])
                if left != MergeTable.none { heap.push((left, previous[at])) }
            }
            if next[at] < n {
                let after = pair(at)
                if after != MergeTable.none { heap.push((after, at)) }
            }
        }
        var k = 0
        while k < n {
            output.append(ids[k])
            k = next[k]
        }
    }
}

func hex(_ byte: UInt8) -> String {
    "0x" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
}

extension String {
    func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
