/// GPT-2's byte-level alphabet, in which Hugging Face `tokenizer.json` files spell token bytes: each
/// byte is one printable character. Printable Latin-1 bytes stand for themselves; the other 68 bytes
/// take the characters from U+0100 on, in byte order (so a space is `Ġ`, U+0120).
enum ByteLevelAlphabet {
    static let scalarOfByte: [Unicode.Scalar] = {
        var next: UInt32 = 256
        return (0...255).map { byte -> Unicode.Scalar in
            let printable = (33...126).contains(byte) || (161...172).contains(byte) || (174...255).contains(byte)
            if printable { return Unicode.Scalar(UInt8(byte)) }
            defer { next += 1 }
            return Unicode.Scalar(next)!
        }
    }()

    static let byteOfScalar: [Unicode.Scalar: UInt8] = Dictionary(
        uniqueKeysWithValues: scalarOfByte.enumerated().map { ($1, UInt8($0)) })

    static func spell(_ bytes: [UInt8]) -> String {
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: bytes.map { scalarOfByte[Int($0)] })
        return String(scalars)
    }

    /// The bytes a token string spells, or nil if it has a character outside the alphabet.
    static func bytes(of token: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        for scalar in token.unicodeScalars {
            guard let byte = byteOfScalar[scalar] else { return nil }
            bytes.append(byte)
        }
        return bytes
    }
}
