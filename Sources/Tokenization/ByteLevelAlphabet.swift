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

    /// The byte each scalar of the alphabet stands for, indexed by scalar value (the alphabet ends
    /// at U+0143); 0xFFFF for a scalar outside it.
    private static let byteOfScalarValue: [UInt16] = {
        var table = [UInt16](repeating: 0xFFFF, count: 0x144)
        for (byte, scalar) in scalarOfByte.enumerated() { table[Int(scalar.value)] = UInt16(byte) }
        return table
    }()

    static func spell(_ bytes: [UInt8]) -> String {
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: bytes.map { scalarOfByte[Int($0)] })
        return String(scalars)
    }

    /// Writes the bytes that the well-formed UTF-8 `text` spells to `out`, which has room for
    /// `text.count` (every character of the alphabet takes one or two bytes), and returns how many;
    /// nil if it has a character outside the alphabet.
    static func write(bytesOfUTF8 text: UnsafeBufferPointer<UInt8>, to out: UnsafeMutablePointer<UInt8>) -> Int? {
        byteOfScalarValue.withUnsafeBufferPointer { table in
            var at = 0, end = 0
            while at < text.count {
                let lead = text[at]
                let value: Int
                if lead < 0x80 {
                    value = Int(lead)
                    at += 1
                } else if lead < 0xE0, at + 1 < text.count {
                    value = Int(lead & 0x1F) << 6 | Int(text[at + 1] & 0x3F)
                    at += 2
                } else {
                    return nil
                }
                guard value < table.count, table[value] != 0xFFFF else { return nil }
                out[end] = UInt8(truncatingIfNeeded: table[value])
                end += 1
            }
            return end
        }
    }
}
