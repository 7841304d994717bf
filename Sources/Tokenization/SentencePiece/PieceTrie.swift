/// A byte trie over piece spellings, for finding every piece a text continues with at a position (the
/// Viterbi lattice's prefix search) in one walk.
///
/// Nodes are numbered from 0 (the root). The root's children are an array by byte, where most walks
/// stop; every other edge is a slot of one open-addressed table keyed `node << 8 | byte`, probed
/// linearly from a multiplicative hash, at most half full, so a step is one probe of one cache line
/// in the common case. A Swift `Dictionary` had cost a third of Unigram encoding in hashing alone.
/// Building is one pass over the spellings, so loading a model of 250,000 pieces stays cheap.
struct PieceTrie: Sendable {
    /// A child of the root by its byte (0: none; the root is no one's child).
    private let rootChildren: [UInt32]
    /// `(node << 8 | byte, child)`; a key of `emptyKey` marks a free slot.
    private let slots: [UInt64]
    private let mask: Int
    /// The piece each node spells, -1 for none.
    let pieceAtNode: [Int32]
    private static let emptyKey = UInt64.max

    /// `spellings[id]`, nil for a piece never matched; of equal spellings, the last id is kept.
    init(_ spellings: [[UInt8]?]) {
        var rootChildren = [UInt32](repeating: 0, count: 256)
        var pieceAtNode: [Int32] = [-1]
        var slots = [UInt64](repeating: Self.emptyKey, count: 1 << 10)
        var edges = 0
        for (id, spelling) in spellings.enumerated() {
            guard let spelling else { continue }
            var node: UInt32 = 0
            for byte in spelling {
                if node == 0 {
                    if rootChildren[Int(byte)] == 0 {
                        rootChildren[Int(byte)] = UInt32(pieceAtNode.count)
                        pieceAtNode.append(-1)
                    }
                    node = rootChildren[Int(byte)]
                    continue
                }
                precondition(node < 1 << 24 - 1, "PieceTrie: more than 16M nodes")
                let key = node << 8 | UInt32(byte)
                var slot = Self.slot(key, slots.count - 1)
                while slots[slot] != Self.emptyKey && UInt32(truncatingIfNeeded: slots[slot] >> 32) != key {
                    slot = (slot + 1) & (slots.count - 1)
                }
                if slots[slot] != Self.emptyKey {
                    node = UInt32(truncatingIfNeeded: slots[slot])
                    continue
                }
                node = UInt32(pieceAtNode.count)
                pieceAtNode.append(-1)
                slots[slot] = UInt64(key) << 32 | UInt64(node)
                edges += 1
                if edges * 2 > slots.count { slots = Self.rehashed(slots, capacity: slots.count * 2) }
            }
            if node != 0 { pieceAtNode[Int(node)] = Int32(id) }
        }
        self.rootChildren = rootChildren
        self.slots = slots
        self.mask = slots.count - 1
        self.pieceAtNode = pieceAtNode
    }

    private static func rehashed(_ old: [UInt64], capacity: Int) -> [UInt64] {
        var slots = [UInt64](repeating: emptyKey, count: capacity)
        for entry in old where entry != emptyKey {
            var slot = slot(UInt32(truncatingIfNeeded: entry >> 32), capacity - 1)
            while slots[slot] != emptyKey { slot = (slot + 1) & (capacity - 1) }
            slots[slot] = entry
        }
        return slots
    }

    @inline(__always)
    private static func slot(_ key: UInt32, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (UInt64(key) &* 0x9E37_79B9_7F4A_7C15) >> 40) & mask
    }

    /// Calls `body` with the walk's view of the trie, whose lookups read through pointers.
    @inline(__always)
    func withWalker<Result>(_ body: (Walker) -> Result) -> Result {
        rootChildren.withUnsafeBufferPointer { root in
            slots.withUnsafeBufferPointer { slots in
                pieceAtNode.withUnsafeBufferPointer { pieces in
                    body(Walker(root: root, slots: slots, mask: mask, pieceAtNode: pieces))
                }
            }
        }
    }

    struct Walker {
        let root: UnsafeBufferPointer<UInt32>
        let slots: UnsafeBufferPointer<UInt64>
        let mask: Int
        let pieceAtNode: UnsafeBufferPointer<Int32>

        /// The child of `node` by `byte`, 0 for none.
        @inline(__always)
        func child(_ node: UInt32, _ byte: UInt8) -> UInt32 {
            if node == 0 { return root[Int(byte)] }
            let key = node << 8 | UInt32(byte)
            var slot = PieceTrie.slot(key, mask)
            while true {
                let entry = slots[slot]
                if UInt32(truncatingIfNeeded: entry >> 32) == key { return UInt32(truncatingIfNeeded: entry) }
                if entry == PieceTrie.emptyKey { return 0 }
                slot = (slot + 1) & mask
            }
        }

        /// The piece `bytes` spell, if any.
        func piece(spelled bytes: Slice<UnsafeBufferPointer<UInt8>>) -> UInt32? {
            var node: UInt32 = 0
            for byte in bytes {
                node = child(node, byte)
                if node == 0 { return nil }
            }
            let id = pieceAtNode[Int(node)]
            return id >= 0 ? UInt32(id) : nil
        }
    }
}
