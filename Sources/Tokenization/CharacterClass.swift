/// The Unicode properties the pre-tokenization patterns test, packed into one byte per scalar.
///
/// The patterns only ask whether a scalar is a letter (`\p{L}`), a number (`\p{N}`), white space
/// (`\s`, the Unicode White_Space property), and, for o200k and Tekken, whether it belongs to the
/// "upper-ish" class `[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]` or the "lower-ish" class
/// `[\p{Ll}\p{Lm}\p{Lo}\p{M}]`. The answers are those of the oracles' regex engines (tiktoken's, which
/// mistral_common runs for Tekken, and `tokenizers`' Oniguruma agree on every code point), in the
/// table `runs` that tools/generate_character_classes.py writes from them (Unicode 16.0), not those
/// of the Swift toolchain: Swift 6.3 follows Unicode 17.0, and a scalar new in 17.0 would be cut
/// otherwise.
struct CharacterClass: OptionSet, Sendable {
    let rawValue: UInt8

    static let letter = CharacterClass(rawValue: 1 << 0)
    static let number = CharacterClass(rawValue: 1 << 1)
    static let whitespace = CharacterClass(rawValue: 1 << 2)
    static let upperish = CharacterClass(rawValue: 1 << 3)
    static let lowerish = CharacterClass(rawValue: 1 << 4)

    init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Classes of the Basic Multilingual Plane, computed once and kept for the life of the process;
    /// scanners hold the pointer so that the hot loop does not pass through a lazy global each time.
    /// Never written after initialization, so sharing it across threads is safe.
    nonisolated(unsafe) static let basicPlane: UnsafeBufferPointer<UInt8> = {
        let table = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 0x10000)
        for (k, run) in runs.enumerated() where run >> 8 < 0x10000 {
            let end = k + 1 < runs.count ? min(Int(runs[k + 1] >> 8), 0x10000) : 0x10000
            table[Int(run >> 8)..<end].update(repeating: UInt8(truncatingIfNeeded: run))
        }
        return UnsafeBufferPointer(table)
    }()

    @inline(__always)
    static func of(_ value: UInt32, basicPlane: UnsafeBufferPointer<UInt8>) -> CharacterClass {
        if value < 0x10000 { return CharacterClass(rawValue: basicPlane[Int(value)]) }
        return value < 0x110000 ? outsideBasicPlane(value) : []
    }

    /// The run holding `value`, found by bisection: the last one starting at or before it.
    static func outsideBasicPlane(_ value: UInt32) -> CharacterClass {
        let key = value << 8 | 0xFF
        var low = 0, high = runs.count
        while high - low > 1 {
            let middle = (low + high) / 2
            if runs[middle] <= key { low = middle } else { high = middle }
        }
        return CharacterClass(rawValue: UInt8(truncatingIfNeeded: runs[low]))
    }
}
