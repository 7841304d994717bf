import Foundation

/// An immutable map from byte strings to token ids: an open-addressing hash table over one arena.
///
/// BPE looks up every pre-tokenized piece as a whole before merging, and loading a tokenizer.json
/// looks up three strings per merge, so this lookup is a hot path; it hashes and compares raw bytes
/// without building any intermediate value. Each slot holds an entry and 32 more bits of its key's
/// hash, so a probe touches the slot alone until a key is likely equal.
struct ByteStringTable: Sendable {
    private struct Slot {
        /// Entry k's key is `arena[starts[k]..<starts[k + 1]]`.
        var entry: UInt32, tag: UInt32
        static let empty = Slot(entry: UInt32.max, tag: 0)
    }

    private let arena: [UInt8]
    private let starts: [Int]
    /// Entry k's id, or k itself when nil.
    private let ids: [UInt32]?
    private let slots: [Slot]
    private let mask: Int
    /// No key is longer: a longer piece (a whole SentencePiece text) is not hashed at all.
    private let longestKey: Int

    /// `entries` must have distinct keys.
    init(_ entries: [(key: [UInt8], id: UInt32)]) {
        var arena: [UInt8] = []
        var starts = [0]
        for (key, _) in entries {
            arena += key
            starts.append(arena.count)
        }
        (self, _) = Self.indexing(arena: arena, starts: starts, ids: entries.map(\.id))
    }

    /// Every non-empty spelling of `spellings`, keyed to its id, sharing the spellings' arena. Where
    /// spellings repeat, the table keeps the lowest id, and `duplicates` lists each other one.
    static func indexing(_ spellings: TokenSpellings) -> (table: ByteStringTable, duplicates: [(kept: UInt32, other: UInt32)]) {
        indexing(arena: spellings.arena, starts: spellings.starts, ids: nil)
    }

    /// Key k is `arena[starts[k]..<starts[k + 1]]`, with id `ids[k]`, or k without `ids`; empty keys
    /// are left out.
    private static func indexing(arena: [UInt8], starts: [Int], ids: [UInt32]?) -> (table: ByteStringTable, duplicates: [(kept: UInt32, other: UInt32)]) {
        var capacity = 16
        while capacity < (starts.count - 1) * 2 { capacity <<= 1 }
        let mask = capacity - 1
        var slots = [Slot](repeating: .empty, count: capacity)
        var duplicates: [(kept: UInt32, other: UInt32)] = []
        var longestKey = 0
        arena.withUnsafeBufferPointer { arena in
            for k in 0..<(starts.count - 1) where starts[k] < starts[k + 1] {
                let key = UnsafeBufferPointer(rebasing: arena[starts[k]..<starts[k + 1]])
                longestKey = max(longestKey, key.count)
                let hash = Self.hash(key), tag = UInt32(truncatingIfNeeded: hash >> 32)
                var slot = Int(truncatingIfNeeded: hash) & mask
                while slots[slot].entry != UInt32.max {
                    let other = Int(slots[slot].entry)
                    if slots[slot].tag == tag && starts[other + 1] - starts[other] == key.count
                        && Self.equal(arena.baseAddress! + starts[other], key.baseAddress!, count: key.count) {
                        duplicates.append((ids?[other] ?? UInt32(other), ids?[k] ?? UInt32(k)))
                        break
                    }
                    slot = (slot + 1) & mask
                }
                if slots[slot].entry == UInt32.max { slots[slot] = Slot(entry: UInt32(k), tag: tag) }
            }
        }
        return (ByteStringTable(arena: arena, starts: starts, ids: ids, slots: slots, mask: mask, longestKey: longestKey), duplicates)
    }

    private init(arena: [UInt8], starts: [Int], ids: [UInt32]?, slots: [Slot], mask: Int, longestKey: Int) {
        self.arena = arena
        self.starts = starts
        self.ids = ids
        self.slots = slots
        self.mask = mask
        self.longestKey = longestKey
    }

    /// A hash of a key read a few bytes at a time: one to three bytes, two overlapping 4-byte words,
    /// or two overlapping 8-byte words (as wyhash reads short keys), longer keys eight bytes at a time;
    /// each read is folded in by a full-width multiply, whose high and low halves are combined, so
    /// that both the low bits that pick the slot and the high bits of the tag depend on every byte.
    /// No read leaves the key. A byte at a time (FNV-1a) was a chain of dependent multiplies, one per
    /// byte, on the hot path of every piece.
    @inline(__always)
    static func hash(_ key: UnsafeBufferPointer<UInt8>) -> UInt64 {
        let n = key.count
        guard n > 0 else { return 0x9E37_79B9_7F4A_7C15 }
        let raw = UnsafeRawPointer(key.baseAddress!)
        func word(_ offset: Int) -> UInt64 { UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) }
        func half(_ offset: Int) -> UInt64 { UInt64(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self))) }
        func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
            let product = (a ^ 0xA076_1D64_78BD_642F).multipliedFullWidth(by: b ^ 0xE703_7ED1_A0B4_28DB)
            return product.high ^ product.low
        }
        var a: UInt64, b: UInt64
        if n <= 3 {
            a = UInt64(key[0]) << 16 | UInt64(key[n >> 1]) << 8 | UInt64(key[n - 1])
            b = 0
        } else if n <= 8 {
            a = half(0)
            b = half(n - 4)
        } else if n <= 16 {
            a = word(0)
            b = word(n - 8)
        } else {
            var h = UInt64(n)
            var at = 0
            while at + 16 < n {
                h = mix(word(at) ^ h, word(at + 8))
                at += 16
            }
            a = word(n - 16) ^ h
            b = word(n - 8)
        }
        return mix(a ^ UInt64(n) << 56, b)
    }

    /// Whether `count` bytes at `a` and at `b` are equal: eight at a time, then one at a time. Keys
    /// are a few bytes long, and a call to memcmp for each cost more than the comparison.
    @inline(__always)
    static func equal(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, count: Int) -> Bool {
        var i = 0
        while i + 8 <= count {
            if UnsafeRawPointer(a).loadUnaligned(fromByteOffset: i, as: UInt64.self)
                != UnsafeRawPointer(b).loadUnaligned(fromByteOffset: i, as: UInt64.self) { return false }
            i += 8
        }
        while i < count {
            if a[i] != b[i] { return false }
            i += 1
        }
        return true
    }

    func id(of key: UnsafeBufferPointer<UInt8>) -> UInt32? {
        guard key.count <= longestKey else { return nil }
        let hash = Self.hash(key), tag = UInt32(truncatingIfNeeded: hash >> 32)
        var slot = Int(truncatingIfNeeded: hash) & mask
        return slots.withUnsafeBufferPointer { slots -> UInt32? in
            arena.withUnsafeBufferPointer { arena -> UInt32? in
                while true {
                    let probe = slots[slot]
                    if probe.entry == UInt32.max { return nil }
                    if probe.tag == tag {
                        let entry = Int(probe.entry), start = starts[entry]
                        if starts[entry + 1] - start == key.count
                            && (key.isEmpty || Self.equal(arena.baseAddress! + start, key.baseAddress!, count: key.count)) {
                            return ids?[entry] ?? probe.entry
                        }
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
