/// A byte trie over piece spellings, for finding every piece a text continues with at a position (the
/// Viterbi lattice's prefix search) in one walk.
///
/// A double array, as sentencepiece's darts trie: a node at position p has its child by byte b at
/// position q = base(p) + b, which is its child if check(q) = p. Base and check are one 8-byte unit,
/// so a step is one load, of a unit near its siblings. Built in two passes: the spellings into a
/// trie of hashed edges (`(parent << 8 | byte) -> child`, open-addressed), then its nodes placed
/// breadth first, each node's children at a base where all of their positions are free (the first
/// of 32 tried from the first free place, else past every place taken).
/// A Swift `Dictionary` of edges had cost a third of Unigram encoding in hashing alone, and the
/// hashed trie itself half of what is left, waiting on scattered slots.
struct PieceTrie: Sendable {
    /// Position p's base (low half, signed) and check (high half, signed; -1: free).
    private let units: [UInt64]
    /// The piece that ends at each position, -1 for none.
    let pieceAtNode: [Int32]
    private static let emptyKey = UInt64.max

    /// `spellings[id]`, nil for a piece never matched; of equal spellings, the last id is kept.
    init(_ spellings: [[UInt8]?]) {
        let (edges, pieceAtHashedNode) = Self.hashedTrie(spellings)
        // Children of each hashed node, by byte: a counting sort of the edges by parent.
        let nodes = pieceAtHashedNode.count
        var firstChild = [Int](repeating: 0, count: nodes + 1)
        for edge in edges { firstChild[Int(edge.parent) + 1] += 1 }
        for k in 0..<nodes { firstChild[k + 1] += firstChild[k] }
        var children = [(byte: UInt8, child: UInt32)](repeating: (0, 0), count: edges.count)
        var filled = firstChild
        for edge in edges {
            children[filled[Int(edge.parent)]] = (edge.byte, edge.child)
            filled[Int(edge.parent)] += 1
        }
        var base = [Int32](repeating: 0, count: 256), check = [Int32](repeating: -1, count: 256)
        var pieceAt = [Int32](repeating: -1, count: 256)
        check[0] = Int32.max  // the root's place, never free
        pieceAt[0] = pieceAtHashedNode[0]
        var firstFree = 1, end = 1
        // (hashed node, its position), breadth first from the root.
        var queue: [(node: UInt32, position: Int)] = [(0, 0)]
        var head = 0
        while head < queue.count {
            let (node, position) = queue[head]
            head += 1
            let range = firstChild[Int(node)]..<firstChild[Int(node) + 1]
            guard !range.isEmpty else { continue }
            children[range].sort { $0.byte < $1.byte }
            while firstFree < check.count && check[firstFree] != -1 { firstFree += 1 }
            let lowest = Int(children[range.lowerBound].byte)
            var b = max(firstFree - lowest, 1)
            var tries = 0
            while true {
                // 32 bases from the first free place, then past every place taken: a
                // search to the first fit had cost 0.6 s for 8,000 pieces, where the array is dense.
                tries += 1
                if tries > 32 { b = max(b, end - lowest, 1) }
                let top = b + Int(children[range.upperBound - 1].byte)
                if top >= check.count {
                    let grown = max(check.count * 2, top + 256)
                    base += repeatElement(0, count: grown - base.count)
                    check += repeatElement(-1, count: grown - check.count)
                    pieceAt += repeatElement(-1, count: grown - pieceAt.count)
                }
                if children[range].allSatisfy({ check[b + Int($0.byte)] == -1 }) { break }
                b += 1
            }
            precondition(b + 255 < Int(Int32.max), "PieceTrie: too many nodes")
            base[position] = Int32(b)
            for (byte, child) in children[range] {
                let q = b + Int(byte)
                end = max(end, q + 1)
                check[q] = Int32(position)
                pieceAt[q] = pieceAtHashedNode[Int(child)]
                queue.append((child, q))
            }
        }
        check[0] = -1
        units = zip(base, check).map { UInt64(UInt32(bitPattern: $0)) | UInt64(UInt32(bitPattern: $1)) << 32 }
        pieceAtNode = pieceAt
    }

    /// The spellings as a trie of hashed edges: each edge, and the piece at each node (node 0 the root).
    private static func hashedTrie(_ spellings: [[UInt8]?]) -> (edges: [(parent: UInt32, byte: UInt8, child: UInt32)], pieceAtNode: [Int32]) {
        var pieceAtNode: [Int32] = [-1]
        var slots = [UInt64](repeating: Self.emptyKey, count: 1 << 10)
        var edges: [(parent: UInt32, byte: UInt8, child: UInt32)] = []
        for (id, spelling) in spellings.enumerated() {
            guard let spelling else { continue }
            var node: UInt32 = 0
            for byte in spelling {
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
                let child = UInt32(pieceAtNode.count)
                pieceAtNode.append(-1)
                slots[slot] = UInt64(key) << 32 | UInt64(child)
                edges.append((node, byte, child))
                node = child
                if edges.count * 2 > slots.count { slots = Self.rehashed(slots, capacity: slots.count * 2) }
            }
            if node != 0 { pieceAtNode[Int(node)] = Int32(id) }
        }
        return (edges, pieceAtNode)
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
        units.withUnsafeBufferPointer { units in
            pieceAtNode.withUnsafeBufferPointer { pieces in
                body(Walker(units: units, pieceAtNode: pieces))
            }
        }
    }

    struct Walker {
        let units: UnsafeBufferPointer<UInt64>
        let pieceAtNode: UnsafeBufferPointer<Int32>

        /// The child of the node at `node` by `byte`, 0 for none (the root is no one's child).
        @inline(__always)
        func child(_ node: UInt32, _ byte: UInt8) -> UInt32 {
            let q = Int(Int32(truncatingIfNeeded: units[Int(node)])) + Int(byte)
            guard q < units.count, Int32(truncatingIfNeeded: units[q] >> 32) == Int32(truncatingIfNeeded: node) else { return 0 }
            return UInt32(q)
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
