import CPrefetch
import Foundation

/// An immutable map from byte strings to token ids: an open-addressing hash table over one arena.
///
/// BPE looks up every pre-tokenized piece as a whole before merging, and loading a tokenizer.json
/// looks up three strings per merge, so this lookup is a hot path; it hashes and compares raw bytes
/// without building any intermediate value. A table of 100,000 keys is larger than a core's cache,
/// so a lookup's cost is its cache misses: each slot holds its key's length and first eight bytes
/// beside 16 more bits of its hash, so that a key of up to eight bytes (most words) is found or
/// rejected in its slot alone, and a longer one reads the arena only once its first eight bytes
/// match. Slots holding only an entry had cost three dependent misses a lookup: slot, offsets, arena.
/// Keys of one or two bytes, a quarter of the pieces of English text and the first pairs of every
/// merge, are found in a direct index instead, of a quarter of a megabyte, which stays in cache.
struct ByteStringTable: Sendable {
    private struct Slot {
        /// The key's first eight bytes, zero past its end (`prefix(_:)`).
        var prefix: UInt64
        /// Entry k's key is `arena[starts[k]..<starts[k + 1]]`.
        var entry: UInt32
        var tag: UInt16
        /// The key's length, or UInt16.max for any longer.
        var length: UInt16
        static let empty = Slot(prefix: 0, entry: UInt32.max, tag: 0, length: 0)

        init(prefix: UInt64, entry: UInt32, tag: UInt16, length: UInt16) {
            (self.prefix, self.entry, self.tag, self.length) = (prefix, entry, tag, length)
        }

        /// A slot's fields for `key`, all but its entry.
        @inline(__always)
        init(probing key: UnsafeBufferPointer<UInt8>, hash: UInt64) {
            self.init(prefix: ByteStringTable.prefix(key), entry: UInt32.max, tag: UInt16(truncatingIfNeeded: hash >> 48),
                      length: UInt16(clamping: key.count))
        }

        /// Whether this slot's key may be `probe`'s: equal when both are at most eight bytes long.
        @inline(__always)
        func mayHold(_ probe: Slot) -> Bool { prefix == probe.prefix && tag == probe.tag && length == probe.length }
    }

    /// The slots of one open-addressing table, a power of two of them, at most half full.
    private struct Slots {
        var storage: [Slot]
        let mask: Int

        init(holding count: Int) {
            var capacity = 16
            while capacity < count * 2 { capacity <<= 1 }
            storage = [Slot](repeating: .empty, count: capacity)
            mask = capacity - 1
        }

        /// Starts reading the slot where a search for `key` begins.
        @inline(__always)
        func prefetch(_ key: UnsafeBufferPointer<UInt8>) {
            storage.withUnsafeBufferPointer { hapax_prefetch($0.baseAddress! + (Int(truncatingIfNeeded: ByteStringTable.hash(key)) & mask)) }
        }

        /// The entry whose key is `key` (of `probe`'s fields and `hash`), or nil and the free slot
        /// where it would go.
        @inline(__always)
        func find(_ key: UnsafeBufferPointer<UInt8>, _ probe: Slot, hash: UInt64,
                  arena: UnsafeBufferPointer<UInt8>, starts: [Int]) -> (entry: Int?, free: Int) {
            var slot = Int(truncatingIfNeeded: hash) & mask
            return storage.withUnsafeBufferPointer { slots in
                while true {
                    let held = slots[slot]
                    if held.entry == UInt32.max { return (nil, slot) }
                    if held.mayHold(probe) {
                        let entry = Int(held.entry)
                        if key.count <= 8 { return (entry, slot) }
                        let start = starts[entry]
                        if starts[entry + 1] - start == key.count
                            && ByteStringTable.equal(arena.baseAddress! + start + 8, key.baseAddress! + 8, count: key.count - 8) {
                            return (entry, slot)
                        }
                    }
                    slot = (slot + 1) & mask
                }
            }
        }
    }

    private let arena: [UInt8]
    private let starts: [Int]
    /// Entry k's id, or k itself when nil.
    private let ids: [UInt32]?
    private let slots: Slots
    /// The id of each key of one or two bytes at `shortIndex(_:)`, UInt32.max for none.
    private let shortKeys: [UInt32]
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
        var slots = Slots(holding: starts.count - 1)
        var duplicates: [(kept: UInt32, other: UInt32)] = []
        var longestKey = 0
        arena.withUnsafeBufferPointer { arena in
            func key(_ k: Int) -> UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: arena[starts[k]..<starts[k + 1]]) }
            // The slot of the key a few ahead is prefetched: the slots of a large vocabulary are far
            // larger than a core's cache, and each insertion waited on its miss.
            let ahead = 8
            for k in 0..<(starts.count - 1) where starts[k] < starts[k + 1] {
                if k + ahead < starts.count - 1 { slots.prefetch(key(k + ahead)) }
                let key = key(k)
                longestKey = max(longestKey, key.count)
                let hash = Self.hash(key)
                var probe = Slot(probing: key, hash: hash)
                probe.entry = UInt32(k)
                let (same, free) = slots.find(key, probe, hash: hash, arena: arena, starts: starts)
                if let other = same {
                    duplicates.append((ids?[other] ?? UInt32(other), ids?[k] ?? UInt32(k)))
                } else {
                    slots.storage[free] = probe
                }
            }
        }
        // Where keys repeat, the first listed is the one kept, as in the slots.
        var shortKeys = [UInt32](repeating: UInt32.max, count: 256 + 65536)
        for k in 0..<(starts.count - 1) where (1...2).contains(starts[k + 1] - starts[k]) {
            let index = arena.withUnsafeBufferPointer { shortIndex(UnsafeBufferPointer(rebasing: $0[starts[k]..<starts[k + 1]])) }
            if shortKeys[index] == UInt32.max { shortKeys[index] = ids?[k] ?? UInt32(k) }
        }
        return (ByteStringTable(arena: arena, starts: starts, ids: ids, slots: slots, shortKeys: shortKeys, longestKey: longestKey), duplicates)
    }

    private init(arena: [UInt8], starts: [Int], ids: [UInt32]?, slots: Slots, shortKeys: [UInt32], longestKey: Int) {
        self.arena = arena
        self.starts = starts
        self.ids = ids
        self.slots = slots
        self.shortKeys = shortKeys
        self.longestKey = longestKey
    }

    /// Where a key of one or two bytes is in `shortKeys`.
    @inline(__always)
    private static func shortIndex(_ key: UnsafeBufferPointer<UInt8>) -> Int {
        key.count == 1 ? Int(key[0]) : 256 + (Int(key[0]) << 8 | Int(key[1]))
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

    /// A key's first eight bytes as a little-endian word, zero past its end, read as `hash` reads them.
    @inline(__always)
    static func prefix(_ key: UnsafeBufferPointer<UInt8>) -> UInt64 {
        let n = key.count
        let raw = UnsafeRawPointer(key.baseAddress)
        if n >= 8 { return UInt64(littleEndian: raw!.loadUnaligned(as: UInt64.self)) }
        if n >= 4 {
            // Two overlapping 4-byte reads; the bytes they share are equal, so or-ing them is exact.
            let low = UInt64(UInt32(littleEndian: raw!.loadUnaligned(as: UInt32.self)))
            let high = UInt64(UInt32(littleEndian: raw!.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self)))
            return low | high &<< (8 * (n - 4))
        }
        var word: UInt64 = 0
        for i in 0..<n { word |= UInt64(key[i]) &<< (8 * i) }
        return word
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
        if key.count <= 2 {
            guard !key.isEmpty else { return nil }
            let id = shortKeys[Self.shortIndex(key)]
            return id == UInt32.max ? nil : id
        }
        guard key.count <= longestKey else { return nil }
        let hash = Self.hash(key), probe = Slot(probing: key, hash: hash)
        let entry = arena.withUnsafeBufferPointer { arena in
            slots.find(key, probe, hash: hash, arena: arena, starts: starts).entry
        }
        return entry.map { ids?[$0] ?? UInt32($0) }
    }

    /// Starts reading the slot where a lookup of `key` begins, so that its cache miss overlaps other
    /// work; the lookup itself reads it again.
    @inline(__always)
    func prefetch(_ key: UnsafeBufferPointer<UInt8>) {
        guard key.count <= longestKey && key.count > 2 else { return }
        slots.prefetch(key)
    }

    func id(of key: [UInt8]) -> UInt32? {
        key.withUnsafeBufferPointer { id(of: $0) }
    }
}
