import Foundation

/// An immutable map from byte strings to token ids: an open-addressing hash table over one arena.
///
/// BPE looks up every pre-tokenized piece as a whole before merging, so this lookup is the hot path of
/// encoding; it hashes and compares raw bytes without building any intermediate value.
struct ByteStringTable: Sendable {
    private let arena: [UInt8]
    private let starts: [Int]          // entry k's key is arena[starts[k]..<starts[k + 1]]
    private let ids: [UInt32]
    private let slots: [Int32]         // entry index + 1; 0 marks an empty slot
    private let mask: Int
    /// No key is longer: a longer piece (a whole SentencePiece text) is not hashed at all.
    private let longestKey: Int

    /// `entries` must have distinct keys.
    init(_ entries: [(key: [UInt8], id: UInt32)]) {
        var arena: [UInt8] = []
        var starts: [Int] = [0]
        var ids: [UInt32] = []
        for (key, id) in entries {
            arena += key
            starts.append(arena.count)
            ids.append(id)
        }
        var capacity = 16
        while capacity < entries.count * 2 { capacity <<= 1 }
        var slots = [Int32](repeating: 0, count: capacity)
        arena.withUnsafeBufferPointer { arena in
            for k in entries.indices {
                let key = UnsafeBufferPointer(rebasing: arena[starts[k]..<starts[k + 1]])
                var slot = Self.hash(key) & (capacity - 1)
                while slots[slot] != 0 { slot = (slot + 1) & (capacity - 1) }
                slots[slot] = Int32(k + 1)
            }
        }
        self.arena = arena
        self.starts = starts
        self.ids = ids
        self.slots = slots
        self.mask = capacity - 1
        self.longestKey = zip(starts, starts.dropFirst()).map { $1 - $0 }.max() ?? 0
    }

    /// Every non-empty spelling of `spellings`, keyed to its id, sharing the spellings' arena. Where
    /// spellings repeat, the table keeps the lowest id, and `duplicates` lists each other one.
    static func indexing(_ spellings: TokenSpellings) -> (table: ByteStringTable, duplicates: [(kept: UInt32, other: UInt32)]) {
        let arena = spellings.arena, starts = spellings.starts
        var capacity = 16
        while capacity < spellings.count * 2 { capacity <<= 1 }
        var slots = [Int32](repeating: 0, count: capacity)
        var duplicates: [(kept: UInt32, other: UInt32)] = []
        var longestKey = 0
        arena.withUnsafeBufferPointer { arena in
            for k in 0..<spellings.count where starts[k] < starts[k + 1] {
                let start = starts[k], length = starts[k + 1] - start
                longestKey = max(longestKey, length)
                var slot = Self.hash(UnsafeBufferPointer(rebasing: arena[start..<starts[k + 1]])) & (capacity - 1)
                while slots[slot] != 0 {
                    let other = Int(slots[slot]) - 1
                    if starts[other + 1] - starts[other] == length && memcmp(arena.baseAddress! + starts[other], arena.baseAddress! + start, length) == 0 {
                        duplicates.append((UInt32(other), UInt32(k)))
                        break
                    }
                    slot = (slot + 1) & (capacity - 1)
                }
                if slots[slot] == 0 { slots[slot] = Int32(k + 1) }
            }
        }
        let table = ByteStringTable(arena: arena, starts: starts, ids: (0..<UInt32(spellings.count)).map { $0 }, slots: slots,
                                    mask: capacity - 1, longestKey: longestKey)
        return (table, duplicates)
    }

    private init(arena: [UInt8], starts: [Int], ids: [UInt32], slots: [Int32], mask: Int, longestKey: Int) {
        self.arena = arena
        self.starts = starts
        self.ids = ids
        self.slots = slots
        self.mask = mask
        self.longestKey = longestKey
    }


    /// FNV-1a, 64-bit: keys are short, so a byte-at-a-time hash costs little and spreads well.
    @inline(__always)
    static func hash(_ key: UnsafeBufferPointer<UInt8>) -> Int {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in key { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return Int(truncatingIfNeeded: h ^ (h >> 29))
    }

    func id(of key: UnsafeBufferPointer<UInt8>) -> UInt32? {
        guard key.count <= longestKey else { return nil }
        var slot = Self.hash(key) & mask
        return slots.withUnsafeBufferPointer { slots -> UInt32? in
            arena.withUnsafeBufferPointer { arena -> UInt32? in
                while true {
                    let entry = Int(slots[slot]) - 1
                    if entry < 0 { return nil }
                    let start = starts[entry], length = starts[entry + 1] - start
                    if length == key.count
                        && (length == 0 || memcmp(arena.baseAddress! + start, key.baseAddress!, length) == 0) {
                        return ids[entry]
                    }
                    slot = (slot + 1) & mask
                }
            }
        }
    }

    func id(of key: [UInt8]) -> UInt32? {
        key.withUnsafeBufferPointer { id(of: $0) }
    }
}
