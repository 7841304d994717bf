/// The merge rules of a BPE model: for a pair of adjacent token ids, the priority of merging them
/// (lower merges first) and the id of the result.
///
/// Priorities and results are packed into one `UInt64` (priority in the high half). Different merges
/// may share a priority (SentencePiece gives its white-space pieces one score), so merging compares
/// `priority(_:)` alone and takes the leftmost of equals.
struct MergeTable: PairMerges, Sendable {
    static let none = UInt64.max

    /// A pair's key beside its packed merge, so that a probe reads one place in memory.
    private struct Slot {
        var key: UInt64, value: UInt64
    }

    private let slots: [Slot]
    private let mask: Int
    private static let emptyKey = UInt64.max

    init(_ merges: [(left: UInt32, right: UInt32, priority: UInt32, result: UInt32)]) {
        // At most three quarters full: a probe that misses reads on to an empty slot, mostly in the
        // same cache line, and at half full a 128k vocabulary's 277,144 merges took 16 MB, touched
        // page by page as it was filled.
        var capacity = 16
        while capacity * 3 < merges.count * 4 { capacity <<= 1 }
        var slots = [Slot](repeating: Slot(key: Self.emptyKey, value: Self.none), count: capacity)
        for merge in merges {
            let key = UInt64(merge.left) << 32 | UInt64(merge.right)
            var slot = Self.slot(key, capacity - 1)
            while slots[slot].key != Self.emptyKey && slots[slot].key != key { slot = (slot + 1) & (capacity - 1) }
            // A later rule for the same pair replaces an earlier one, as in Hugging Face's merge map.
            slots[slot] = Slot(key: key, value: UInt64(merge.priority) << 32 | UInt64(merge.result))
        }
        self.slots = slots
        self.mask = capacity - 1
    }

    /// The priority of a packed merge; `none`'s is above every rule's.
    @inline(__always)
    static func priority(_ packed: UInt64) -> UInt64 { packed >> 32 }

    @inline(__always)
    private static func slot(_ key: UInt64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    /// Whether some rule merges one of `ids`, on either side.
    func involves(_ ids: Set<UInt32>) -> Bool {
        slots.contains { $0.key != Self.emptyKey && (ids.contains(UInt32(truncatingIfNeeded: $0.key >> 32)) || ids.contains(UInt32(truncatingIfNeeded: $0.key))) }
    }

    /// The packed priority and result of merging `left` and `right`, or `MergeTable.none`.
    @inline(__always)
    func merge(_ left: UInt32, _ right: UInt32) -> UInt64 {
        let key = UInt64(left) << 32 | UInt64(right)
        var slot = Self.slot(key, mask)
        return slots.withUnsafeBufferPointer { slots in
            while true {
                let probe = slots[slot]
                if probe.key == key { return probe.value }
                if probe.key == Self.emptyKey { return Self.none }
                slot = (slot + 1) & mask
            }
        }
    }
}

/// What merging asks of its rules: the packed priority and result of merging two adjacent parts,
/// given their ids and the bytes of the piece they spell together, or `MergeTable.none`.
protocol PairMerges {
    func merge(_ left: UInt32, _ right: UInt32, spelling: UnsafeBufferPointer<UInt8>) -> UInt64
}

extension MergeTable {
    @inline(__always)
    func merge(_ left: UInt32, _ right: UInt32, spelling: UnsafeBufferPointer<UInt8>) -> UInt64 { merge(left, right) }
}

/// tiktoken's rule: two parts merge into the token their bytes spell together, at that token's rank,
/// its id.
struct RankedConcatenations: PairMerges {
    let vocabulary: ByteStringTable

    @inline(__always)
    func merge(_ left: UInt32, _ right: UInt32, spelling: UnsafeBufferPointer<UInt8>) -> UInt64 {
        guard let id = vocabulary.id(of: spelling) else { return MergeTable.none }
        return UInt64(id) << 32 | UInt64(id)
    }
}

/// sentencepiece's rule (bpe_model.cc): two symbols merge into the piece their text spells together,
/// at that piece's priority (the rank of its score). The unknown token stands for no text of its
/// own, so it never merges.
struct SpelledConcatenations: PairMerges {
    let vocabulary: ByteStringTable
    let priorities: [UInt32]
    let unknown: UInt32

    @inline(__always)
    func merge(_ left: UInt32, _ right: UInt32, spelling: UnsafeBufferPointer<UInt8>) -> UInt64 {
        guard left != unknown, right != unknown, let id = vocabulary.id(of: spelling) else { return MergeTable.none }
        let priority = priorities[Int(id)]
        return priority == UInt32.max ? MergeTable.none : UInt64(priority) << 32 | UInt64(id)
    }
}
