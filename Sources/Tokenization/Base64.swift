/// Standard base64 (RFC 4648 section 4) with its padding, as tiktoken's rank files and Tekken's
/// vocabularies write tokens.
enum Base64 {
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() { table[Int(c)] = UInt8(i) }
        return table
    }()

    /// Appends the bytes `text` encodes to `output`; false, with some appended, when it is not padded
    /// base64.
    static func decode(_ text: UnsafeBufferPointer<UInt8>, appendingTo output: inout [UInt8]) -> Bool {
        guard text.count % 4 == 0 else { return false }
        var padding = 0
        if text.last == UInt8(ascii: "=") { padding += 1 }
        if text.count >= 2 && text[text.count - 2] == UInt8(ascii: "=") { padding += 1 }
        return values.withUnsafeBufferPointer { values in
            var group: UInt32 = 0
            for i in 0..<(text.count - padding) {
                let v = values[Int(text[i])]
                if v == 0xFF { return false }
                group = group << 6 | UInt32(v)
                if i & 3 == 3 {
                    output.append(UInt8(truncatingIfNeeded: group >> 16))
                    output.append(UInt8(truncatingIfNeeded: group >> 8))
                    output.append(UInt8(truncatingIfNeeded: group))
                }
            }
            // A padded group: two characters give one byte, three give two.
            switch padding {
            case 2: output.append(UInt8(truncatingIfNeeded: group >> 4))
            case 1:
                output.append(UInt8(truncatingIfNeeded: group >> 10))
                output.append(UInt8(truncatingIfNeeded: group >> 2))
            default: break
            }
            return true
        }
    }
}
