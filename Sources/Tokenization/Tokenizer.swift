import Foundation

/// A byte-level BPE tokenizer: a pre-tokenizer that cuts text into pieces and a BPE model that
/// encodes each piece. Text is always encoded as ordinary text: a special-token string inside it is
/// encoded like any other characters.
public final class Tokenizer: Sendable {
    public let preTokenizer: PreTokenizer
    /// Hugging Face's ByteLevel `add_prefix_space`: a space is put before text that does not start with one.
    public let addsPrefixSpace: Bool
    /// Special tokens by their content, such as `<|endoftext|>`.
    public let specialTokens: [String: UInt32]
    /// The token that ends every document.
    public let endOfText: UInt32?
    /// One more than the largest id, special tokens included.
    public let vocabularySize: Int
    /// Where the tokenizer came from, for messages.
    public let source: String
    let model: BytePairModel
    private let specialContent: [UInt32: String]

    init(preTokenizer: PreTokenizer, addsPrefixSpace: Bool = false, model: BytePairModel,
         specialTokens: [String: UInt32], source: String) {
        self.preTokenizer = preTokenizer
        self.addsPrefixSpace = addsPrefixSpace
        self.model = model
        self.specialTokens = specialTokens
        self.endOfText = specialTokens["<|endoftext|>"]
        self.vocabularySize = max(model.tokenBytes.count, (specialTokens.values.max().map { Int($0) + 1 }) ?? 0)
        self.source = source
        self.specialContent = Dictionary(specialTokens.map { ($0.value, $0.key) }, uniquingKeysWith: { a, _ in a })
        // Build the character-class table now, so that it counts as loading rather than encoding.
        _ = CharacterClass.basicPlane
    }

    /// Loads a tiktoken rank file (`.tiktoken`) or a Hugging Face `tokenizer.json`, chosen by extension.
    /// `pattern` overrides the pre-tokenizer a rank file's name implies.
    public static func load(path: String, pattern: PreTokenizer? = nil) throws(TokenizerError) -> Tokenizer {
        if path.hasSuffix(".json") {
            let tokenizer = try HuggingFaceTokenizerFile.load(path: path)
            if let pattern, pattern != tokenizer.preTokenizer {
                throw TokenizerError("\(path): a tokenizer.json fixes its own pre-tokenizer (\(tokenizer.preTokenizer.rawValue)); drop the pattern option")
            }
            return tokenizer
        }
        return try TiktokenFile.load(path: path, pattern: pattern)
    }

    public func encode(_ text: String) -> [UInt32] {
        var output: [UInt32] = []
        output.reserveCapacity(text.utf8.count / 3)
        encode(text, into: &output)
        return output
    }

    /// Appends the tokens of `text` to `output`.
    public func encode(_ text: String, into output: inout [UInt32]) {
        // Hugging Face looks at the first scalar: " \u{301}" starts with a space even though its first
        // Character (a space with a combining accent) is not " ".
        var text = addsPrefixSpace && text.unicodeScalars.first != " " ? " " + text : text
        var scratch = BytePairModel.Scratch()
        text.withUTF8 { bytes in
            preTokenizer.forEachPiece(inValidUTF8: bytes) { range in
                model.encode(UnsafeBufferPointer(rebasing: bytes[range]), into: &output, &scratch)
            }
        }
    }

    /// The ids that stand for text: all but special tokens and unused ids.
    public var ordinaryIds: [UInt32] {
        model.tokenBytes.indices.filter { !model.tokenBytes[$0].isEmpty && specialContent[UInt32($0)] == nil }.map(UInt32.init)
    }

    /// The bytes the tokens stand for; special tokens give their content.
    public func decodeBytes(_ ids: [UInt32]) -> [UInt8] {
        var bytes: [UInt8] = []
        for id in ids {
            if Int(id) < model.tokenBytes.count, !model.tokenBytes[Int(id)].isEmpty {
                bytes += model.tokenBytes[Int(id)]
            } else if let special = specialContent[id] {
                bytes += special.utf8
            }
        }
        return bytes
    }

    /// The text the tokens stand for; bytes that are not valid UTF-8 become U+FFFD.
    public func decode(_ ids: [UInt32]) -> String {
        String(decoding: decodeBytes(ids), as: UTF8.self)
    }

}
