/// SentencePiece's precompiled character map: the rewrite rules of a normalization rule (`nmt_nfkc`,
/// `nfkc`, a custom TSV), as a `.model` carries them in `normalizer_spec.precompiled_charsmap` and a
/// `tokenizer.json` in its `Precompiled` normalizer (base64).
///
/// Layout (sentencepiece normalizer.cc, `DecodePrecompiledCharsMap`): a little-endian UInt32 n, then
/// n bytes of a darts-clone double-array trie (n / 4 little-endian UInt32 units), then the
/// replacement strings, each ended by a NUL byte. A key is a byte string of UTF-8 text; its value is
/// the offset of its replacement among the strings.
///
/// A unit packs: bit 8, the node has a key ending there (`has_leaf`); bits 10 and up, the offset to
/// its children, shifted left by 8 more when bit 9 is set; bits 0 to 7 with bit 31, its label (a leaf
/// unit has bit 31 set, so its label never equals a byte); a leaf unit's bits 0 to 30 hold the value.
/// Walking a key: p = offset(units[0]); for each byte b, p ^= b, units[p]'s label must be b, p ^=
/// offset(units[p]), and where units[p] had a leaf, units[p] is now the leaf unit of the key so far.
public struct PrecompiledCharacterMap: Sendable, Equatable {
    private let units: [UInt32]
    private let strings: [UInt8]

    /// Checks that every leaf's value starts a string that ends inside the map, and that the strings
    /// are UTF-8, so that lookups need no checks but the walk's bounds.
    init(_ bytes: ArraySlice<UInt8>) throws(TokenizerError) {
        func word(at i: Int) -> UInt32 {
            (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[i + $1]) << UInt32(8 * $1) }
        }
        guard bytes.count >= 4 else { throw TokenizerError("the character map holds \(bytes.count) bytes, fewer than its 4-byte trie size") }
        let trieSize = Int(word(at: bytes.startIndex))
        guard trieSize % 4 == 0, trieSize >= 4, trieSize <= bytes.count - 4 else {
            throw TokenizerError("the character map's trie size \(trieSize) is not a multiple of 4 that fits its \(bytes.count - 4) bytes")
        }
        let start = bytes.startIndex + 4
        units = stride(from: start, to: start + trieSize, by: 4).map(word(at:))
        strings = Array(bytes[(start + trieSize)...])
        let lastNul = strings.lastIndex(of: 0) ?? -1
        for (k, unit) in units.enumerated() where unit & 1 << 31 != 0 {
            let value = Int(unit & 0x7FFF_FFFF)
            guard value <= lastNul else {
                throw TokenizerError("the character map's trie unit \(k) points at byte \(value) of the replacement strings, which end (NUL-terminated) at \(lastNul + 1)")
            }
        }
        guard String(validating: strings, as: UTF8.self) != nil else { throw TokenizerError("the character map's replacement strings are not UTF-8") }
    }

    private static func offset(_ unit: UInt32) -> Int { Int((unit >> 10) << ((unit & 1 << 9) >> 6)) }

    /// Calls `body` with the length of each key that `bytes[start...]` begins with, shortest first, and
    /// where its replacement lies in `strings`; `body` returns false to stop. `stoppingAtNul`: a NUL
    /// byte ends the key, as in `tokenizers`' reading of the trie.
    private func forEachKey(in bytes: UnsafeBufferPointer<UInt8>, from start: Int, stoppingAtNul: Bool = false,
                            _ body: (Int, Range<Int>) -> Bool) {
        guard !units.isEmpty else { return }
        var p = Self.offset(units[0])
        var i = start
        while i < bytes.count {
            let byte = bytes[i]
            if stoppingAtNul && byte == 0 { return }
            p ^= Int(byte)
            guard p < units.count, units[p] & (1 << 31 | 0xFF) == UInt32(byte) else { return }
            let unit = units[p]
            p ^= Self.offset(unit)
            i += 1
            if unit & 1 << 8 != 0 {
                guard p < units.count else { return }
                let value = Int(units[p] & 0x7FFF_FFFF)
                guard value < strings.count else { return }
                let end = strings[value...].firstIndex(of: 0)!
                if !body(i - start, value..<end) { return }
            }
        }
    }

    /// Whether some key begins with `byte`.
    func hasKey(beginningWith byte: UInt8) -> Bool {
        guard !units.isEmpty else { return false }
        let p = Self.offset(units[0]) ^ Int(byte)
        return p < units.count && units[p] & (1 << 31 | 0xFF) == UInt32(byte)
    }

    /// The longest key at `start` (sentencepiece's rule): its length and replacement.
    func longestMatch(in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> (length: Int, replacement: ArraySlice<UInt8>)? {
        var best: (Int, Range<Int>)?
        forEachKey(in: bytes, from: start) { length, replacement in
            best = (length, replacement)
            return true
        }
        return best.map { ($0.0, strings[$0.1]) }
    }

    /// The shortest key `bytes` begins with (`tokenizers`' rule): its replacement.
    func shortestMatch(in bytes: UnsafeBufferPointer<UInt8>, stoppingAtNul: Bool) -> ArraySlice<UInt8>? {
        var found: Range<Int>?
        forEachKey(in: bytes, from: 0, stoppingAtNul: stoppingAtNul) { _, replacement in
            found = replacement
            return false
        }
        return found.map { strings[$0] }
    }
}
