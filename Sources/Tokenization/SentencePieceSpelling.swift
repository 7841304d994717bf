/// How SentencePiece spells tokens: text with `▁` (U+2581) standing for the space, and byte-fallback
/// tokens as `<0xXX>` (two upper-case hexadecimal digits).
enum SentencePieceSpelling {
    static let space = "\u{2581}"

    static func byteToken(_ byte: UInt8) -> String {
        "<" + hex(byte) + ">"
    }

    /// The byte a `<0xXX>` token stands for, nil for other spellings.
    static func byte(ofToken spelling: [UInt8]) -> UInt8? {
        guard spelling.count == 6, spelling.starts(with: Array("<0x".utf8)), spelling[5] == UInt8(ascii: ">") else { return nil }
        let digits = String(decoding: spelling[3..<5], as: UTF8.self)
        guard digits == digits.uppercased(), let byte = UInt8(digits, radix: 16) else { return nil }
        return byte
    }

    /// The bytes a token stands for in text.
    static func surface(_ spelling: [UInt8]) -> [UInt8] {
        if let byte = byte(ofToken: spelling) { return [byte] }
        var result: [UInt8] = []
        result.reserveCapacity(spelling.count)
        var i = 0
        while i < spelling.count {
            if i + 3 <= spelling.count && spelling[i] == 0xE2 && spelling[i + 1] == 0x96 && spelling[i + 2] == 0x81 {
                result.append(UInt8(ascii: " "))
                i += 3
            } else {
                result.append(spelling[i])
                i += 1
            }
        }
        return result
    }
}
