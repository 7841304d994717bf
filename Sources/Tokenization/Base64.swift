/// Standard base64 (RFC 4648 section 4) with its padding, as tiktoken's rank files and Tekken's
/// vocabularies write tokens.
enum Base64 {
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() { table[Int(c)] = UInt8(i) }
        return table
    }()

    /// The number of bytes `text` encodes, at most: three for every four characters.
    static func decodedCapacity(_ text: UnsafeBufferPointer<UInt8>) -> Int { text.count / 4 * 3 }

    /// Writes the bytes `text` encodes to `output` (room for `decodedCapacity(text)`) and says how
    /// many; nil, with some written, when it is not padded base64. Four characters at a time: a rank
    /// file is a hundred thousand short tokens, and a byte at a time with an append each was a third
    /// of loading one.
    static func decode(_ text: UnsafeBufferPointer<UInt8>, into output: UnsafeMutablePointer<UInt8>) -> Int? {
        guard text.count % 4 == 0 else { return nil }
        var padding = 0
        if text.last == UInt8(ascii: "=") { padding += 1 }
        if text.count >= 2 && text[text.count - 2] == UInt8(ascii: "=") { padding += 1 }
        return values.withUnsafeBufferPointer { values -> Int? in
            func value(_ i: Int) -> UInt32 { UInt32(values[Int(text[i])]) }
            let groups = (text.count - padding) / 4
            var written = 0
            for group in 0..<groups {
                let at = 4 * group
                let (a, b, c, d) = (value(at), value(at + 1), value(at + 2), value(at + 3))
                if (a | b | c | d) >= 64 { return nil }    // 0xFF: not a base64 character
                let bits = a << 18 | b << 12 | c << 6 | d
                output[written] = UInt8(truncatingIfNeeded: bits >> 16)
                output[written + 1] = UInt8(truncatingIfNeeded: bits >> 8)
                output[written + 2] = UInt8(truncatingIfNeeded: bits)
                written += 3
            }
            // A padded group: two characters give one byte, three give two.
            let at = 4 * groups
            switch padding {
            case 2:
                let (a, b) = (value(at), value(at + 1))
                if (a | b) >= 64 { return nil }
                output[written] = UInt8(truncatingIfNeeded: (a << 6 | b) >> 4)
                written += 1
            case 1:
                let (a, b, c) = (value(at), value(at + 1), value(at + 2))
                if (a | b | c) >= 64 { return nil }
                let bits = a << 12 | b << 6 | c
                output[written] = UInt8(truncatingIfNeeded: bits >> 10)
                output[written + 1] = UInt8(truncatingIfNeeded: bits >> 2)
                written += 2
            default: break
            }
            return written
        }
    }

    /// Appends the bytes `text` encodes to `output`; false when it is not padded base64.
    static func decode(_ text: UnsafeBufferPointer<UInt8>, appendingTo output: inout [UInt8]) -> Bool {
        guard !text.isEmpty else { return true }
        var written: Int?
        output += [UInt8](unsafeUninitializedCapacity: decodedCapacity(text)) { buffer, count in
            written = decode(text, into: buffer.baseAddress!)
            count = written ?? 0
        }
        return written != nil
    }
}
