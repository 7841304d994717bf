import Foundation

/// A byte-level BPE model: token byte strings, merge rules, and the encoding of one piece.
///
/// Encoding a piece first looks the whole piece up (tiktoken's shortcut), then merges bytes pairwise,
/// always the adjacent pair of lowest priority, leftmost on ties; tiktoken and Hugging Face agree on
/// that order. Hugging Face does not take the shortcut, so for its models the whole-piece table only
/// holds tokens that merging their own bytes reproduces, where the shortcut cannot change the result.
struct BytePairModel: Sendable {
    enum Shortcut { case anyToken, selfConsistentTokens }

    let tokenBytes: [[UInt8]]
    let vocabulary: ByteStringTable
    let merges: MergeTable
    private var wholePieces: ByteStringTable
    private let byteTokens: [UInt32]

    /// `tokens[id]` is the byte string of token `id`, nil for ids the model does not use.
    init(tokens: [[UInt8]?], merges: MergeTable, shortcut: Shortcut) throws(TokenizerError) {
        let entries = tokens.enumerated().compactMap { id, bytes in bytes.map { (key: $0, id: UInt32(id)) } }
        let vocabulary = ByteStringTable(entries)
        var byteTokens: [UInt32] = []
        for byte in 0...255 {
            guard let id = vocabulary.id(of: [UInt8(byte)]) else {
                throw TokenizerError("the vocabulary has no token for the single byte \(hex(UInt8(byte))), so some text cannot be encoded")
            }
            byteTokens.append(id)
        }
        self.tokenBytes = tokens.map { $0 ?? [] }
        self.vocabulary = vocabulary
        self.merges = merges
        self.byteTokens = byteTokens
        self.wholePieces = vocabulary
        if shortcut == .selfConsistentTokens {
            var scratch = Scratch()
            var output: [UInt32] = []
            let consistent = entries.filter { entry in
                output.removeAll(keepingCapacity: true)
                entry.key.withUnsafeBufferPointer { mergeBytes($0, into: &output, &scratch) }
                return output == [entry.id]
            }
            self.wholePieces = ByteStringTable(consistent)
        }
    }

    /// Reusable buffers for merging, one per encoding thread.
    struct Scratch {
        var ids: [UInt32] = []
        var pairs: [UInt64] = []
    }

    @inline(__always)
    func encode(_ piece: UnsafeBufferPointer<UInt8>, into output: inout [UInt32], _ scratch: inout Scratch) {
        if let id = wholePieces.id(of: piece) {
            output.append(id)
        } else {
            mergeBytes(piece, into: &output, &scratch)
        }
    }

    /// Pieces longer than this merge with a heap; shorter ones with a linear scan, which is faster for
    /// the few bytes of a typical piece but quadratic, and a long white-space run is one piece.
    static let heapThreshold = 256

    /// Merges the bytes of `piece` by priority.
    private func mergeBytes(_ piece: UnsafeBufferPointer<UInt8>, into output: inout [UInt32], _ scratch: inout Scratch) {
        let n = piece.count
        if n > Self.heapThreshold {
            mergeLongPiece(piece, into: &output)
            return
        }
        scratch.ids.removeAll(keepingCapacity: true)
        scratch.pairs.removeAll(keepingCapacity: true)
        for byte in piece { scratch.ids.append(byteTokens[Int(byte)]) }
        for k in 0..<max(n - 1, 0) { scratch.pairs.append(merges.merge(scratch.ids[k], scratch.ids[k + 1])) }
        var count = n
        scratch.ids.withUnsafeMutableBufferPointer { ids in
            scratch.pairs.withUnsafeMutableBufferPointer { pairs in
                while count > 1 {
                    var best = MergeTable.none
                    var at = -1
                    for k in 0..<(count - 1) where pairs[k] < best {
                        best = pairs[k]
                        at = k
                    }
                    if at < 0 { break }
                    ids[at] = UInt32(truncatingIfNeeded: best)
                    for k in (at + 1)..<(count - 1) { ids[k] = ids[k + 1] }
                    for k in at..<max(count - 2, at) { pairs[k] = pairs[k + 1] }
                    count -= 1
                    if at > 0 { pairs[at - 1] = merges.merge(ids[at - 1], ids[at]) }
                    if at < count - 1 { pairs[at] = merges.merge(ids[at], ids[at + 1]) }
                }
            }
        }
        output.append(contentsOf: scratch.ids[0..<count])
    }

    /// The same merge order in O(n log n): symbols in a linked list over byte positions, candidate
    /// pairs in a min-heap keyed by (packed priority, position), so ties go to the leftmost pair.
    /// Entries go stale when a neighbour merges; a popped entry is used only if its pair still holds.
    private func mergeLongPiece(_ piece: UnsafeBufferPointer<UInt8>, into output: inout [UInt32]) {
        let n = piece.count
        var ids = piece.map { byteTokens[Int($0)] }
        var next = Array(1...n)            // n marks the end
        var previous = Array(-1..<(n - 1))
        var alive = [Bool](repeating: true, count: n)
        var heap = BinaryHeap<(merge: UInt64, position: Int)> { a, b in
            a.merge != b.merge ? a.merge < b.merge : a.position < b.position
        }
        for k in 0..<(n - 1) {
            let merge = merges.merge(ids[k], ids[k + 1])
            if merge != MergeTable.none { heap.push((merge, k)) }
        }
        while let (merge, at) = heap.pop() {
            let right = next[at]
            guard alive[at], right < n, merges.merge(ids[at], ids[right]) == merge else { continue }
            ids[at] = UInt32(truncatingIfNeeded: merge)
            alive[right] = false
            next[at] = next[right]
            if next[at] < n { previous[next[at]] = at }
            if previous[at] >= 0 {
                let left = merges.merge(ids[previous[at]], ids[at])
                if left != MergeTable.none { heap.push((left, previous[at])) }
            }
            if next[at] < n {
                let after = merges.merge(ids[at], ids[next[at]])
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
