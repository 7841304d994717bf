/// The Unicode properties the pre-tokenization patterns test, packed into one byte per scalar.
///
/// The patterns only ask whether a scalar is a letter (`\p{L}`), a number (`\p{N}`), white space
/// (`\s`, the Unicode White_Space property), and, for o200k, whether it belongs to the "upper-ish"
/// class `[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]` or the "lower-ish" class `[\p{Ll}\p{Lm}\p{Lo}\p{M}]`.
struct CharacterClass: OptionSet, Sendable {
    let rawValue: UInt8

    static let letter = CharacterClass(rawValue: 1 << 0)
    static let number = CharacterClass(rawValue: 1 << 1)
    static let whitespace = CharacterClass(rawValue: 1 << 2)
    static let upperish = CharacterClass(rawValue: 1 << 3)
    static let lowerish = CharacterClass(rawValue: 1 << 4)

    init(rawValue: UInt8) { self.rawValue = rawValue }

    init(of scalar: Unicode.Scalar) {
        var result: CharacterClass = []
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .titlecaseLetter: result = [.letter, .upperish]
        case .lowercaseLetter: result = [.letter, .lowerish]
        case .modifierLetter, .otherLetter: result = [.letter, .upperish, .lowerish]
        case .nonspacingMark, .spacingMark, .enclosingMark: result = [.upperish, .lowerish]
        case .decimalNumber, .letterNumber, .otherNumber: result = [.number]
        default: break
        }
        if Self.whitespace(scalar.value) { result.insert(.whitespace) }
        self = result
    }

    /// Unicode's White_Space property, whose 25 scalars have stood since Unicode 6.3; asking the
    /// standard library for each of 65,536 scalars was a tenth of loading a tokenizer.
    @inline(__always)
    static func whitespace(_ value: UInt32) -> Bool {
        switch value {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: true
        default: false
        }
    }

    /// Classes of the Basic Multilingual Plane, computed once and kept for the life of the process;
    /// scanners hold the pointer so that the hot loop does not pass through a lazy global each time.
    /// Never written after initialization, so sharing it across threads is safe.
    nonisolated(unsafe) static let basicPlane: UnsafeBufferPointer<UInt8> = {
        let table = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 0x10000)
        for value in 0..<0x10000 {
            table[value] = Unicode.Scalar(UInt32(value)).map { CharacterClass(of: $0).rawValue } ?? 0
        }
        return UnsafeBufferPointer(table)
    }()

    @inline(__always)
    static func of(_ value: UInt32, basicPlane: UnsafeBufferPointer<UInt8>) -> CharacterClass {
        if value < 0x10000 { return CharacterClass(rawValue: basicPlane[Int(value)]) }
        guard let scalar = Unicode.Scalar(value) else { return [] }
        return CharacterClass(of: scalar)
    }
}
