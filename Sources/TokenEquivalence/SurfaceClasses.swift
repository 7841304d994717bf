import Tokenization

/// Classes of tokens that spell the same word: equal decoded text once leading white space is
/// removed and case is folded, so ` National`, `National` and ` national` share a class. Tokens that
/// are only white space, or not valid UTF-8 on their own (pieces of a character), keep their exact
/// bytes as their key; special tokens and unused ids are alone. A class is named by its smallest id.
public enum SurfaceClasses {
    public static func classes(_ tokenizer: Tokenizer) -> [UInt32] {
        var classes = (0..<UInt32(tokenizer.vocabularySize)).map { $0 }
        var representatives: [[UInt8]: UInt32] = [:]
        for id in tokenizer.ordinaryIds {
            let key = key(tokenizer.decodeBytes([id]))
            if let representative = representatives[key] {
                classes[Int(id)] = representative
            } else {
                representatives[key] = id
            }
        }
        return classes
    }

    static func key(_ bytes: [UInt8]) -> [UInt8] {
        guard let text = String(validating: bytes, as: UTF8.self) else { return [0] + bytes }
        let word = text.drop { $0.isWhitespace }
        guard !word.isEmpty else { return [0] + bytes }
        return [1] + Array(word.lowercased().utf8)
    }
}
