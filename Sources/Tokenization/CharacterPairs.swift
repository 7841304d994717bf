/// The pairs of adjacent characters beyond ASCII that some token holds, for cutting a SentencePiece
/// text between two characters no merge can join (`BytePairModel.encodeCutting`): in Chinese,
/// Japanese or Thai, which write no spaces, a whole sentence was one part, merged symbol by symbol.
///
/// A character is keyed by its UTF-8 bytes packed into a UInt32 (`key(_:at:width:)`), a pair by the
/// two keys; the set is open-addressed, at most half full, probed linearly from a multiplicative hash.
struct CharacterPairs: Sendable {
    private var slots: [UInt64]
    private var count = 0
    private static let empty: UInt64 = 0

    init() { slots = [UInt64](repeating: Self.empty, count: 64) }

    /// The character of `width` bytes at `i`, as a key (never 0: its lead byte is not 0).
    @inline(__always)
    static func key<C: RandomAccessCollection>(_ bytes: C, at i: Int, width: Int) -> UInt32 where C.Element == UInt8, C.Index == Int {
        var key: UInt32 = 0
        for k in 0..<width { key = key << 8 | UInt32(bytes[i + k]) }
        return key
    }

    @inline(__always)
    private static func slot(_ pair: UInt64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (pair &* 0x9E37_79B9_7F4A_7C15) >> 40) & mask
    }

    mutating func insert(_ left: UInt32, _ right: UInt32) {
        let pair = UInt64(left) << 32 | UInt64(right)
        var slot = Self.slot(pair, slots.count - 1)
        while slots[slot] != Self.empty {
            if slots[slot] == pair { return }
            slot = (slot + 1) & (slots.count - 1)
        }
        slots[slot] = pair
        count += 1
        if count * 2 > slots.count {
            let old = slots
            slots = [UInt64](repeating: Self.empty, count: old.count * 2)
            count = 0
            for pair in old where pair != Self.empty { insert(UInt32(truncatingIfNeeded: pair >> 32), UInt32(truncatingIfNeeded: pair)) }
        }
    }

    @inline(__always)
    func contains(_ left: UInt32, _ right: UInt32) -> Bool {
        let pair = UInt64(left) << 32 | UInt64(right)
        return slots.withUnsafeBufferPointer { slots in
            var slot = Self.slot(pair, slots.count - 1)
            while true {
                let entry = slots[slot]
                if entry == pair { return true }
                if entry == Self.empty { return false }
                slot = (slot + 1) & (slots.count - 1)
            }
        }
    }
}
