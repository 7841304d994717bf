import Foundation

/// A byte-level BPE tokenizer, run as Hugging Face runs one: added tokens are cut out of the text,
/// the rest is normalized (normalized added tokens are cut out of that), each remaining stretch is
/// cut into pieces by the pre-tokenizer patterns in turn, and each piece is encoded by BPE. Special
/// tokens are never produced from text: a special-token string inside it is encoded like any other
/// characters (Hugging Face's `encode_special_tokens`).
public final class Tokenizer: Sendable {
    public let normalizer: TextNormalizer
    /// The patterns that cut the text, each cutting the pieces of the one before; none: each stretch
    /// between added tokens is one piece.
    public let splits: [PreTokenizer]
    /// Hugging Face's ByteLevel `add_prefix_space`: a space is put before each stretch of text that
    /// does not start with one.
    public let addsPrefixSpace: Bool
    /// Special tokens and added tokens, as the file lists them.
    public let addedTokens: [AddedToken]
    /// Special tokens by their content, such as `<|endoftext|>`.
    public let specialTokens: [String: UInt32]
    /// The token that ends every document.
    public let endOfText: UInt32?
    /// One more than the largest id, added tokens included.
    public let vocabularySize: Int
    /// Where the tokenizer came from, for messages.
    public let source: String
    let model: BytePairModel
    private let addedContent: [UInt32: String]
    private let textTokens: AddedTokenMatcher
    private let normalizedTextTokens: AddedTokenMatcher

    /// The contents that end documents, in the order they are looked for among the special tokens
    /// (then among the other added tokens: files older than the `special` flag leave it out).
    public static let endOfTextContents = ["<|endoftext|>", "<|end_of_text|>", "</s>"]

    init(splits: [PreTokenizer], addsPrefixSpace: Bool = false, normalizer: TextNormalizer = TextNormalizer([]),
         model: BytePairModel, addedTokens: [AddedToken], source: String) {
        self.splits = splits
        self.addsPrefixSpace = addsPrefixSpace
        self.normalizer = normalizer
        self.model = model
        self.addedTokens = addedTokens
        let specials = addedTokens.filter(\.special)
        self.specialTokens = Dictionary(specials.map { ($0.content, $0.id) }, uniquingKeysWith: { first, _ in first })
        self.endOfText = [specials, addedTokens].lazy.flatMap { tokens in
            Self.endOfTextContents.lazy.compactMap { content in tokens.first { $0.content == content }?.id }
        }.first
        self.vocabularySize = max(model.tokenBytes.count, (addedTokens.map(\.id).max().map { Int($0) + 1 }) ?? 0)
        self.source = source
        self.addedContent = Dictionary(addedTokens.map { ($0.id, $0.content) }, uniquingKeysWith: { first, _ in first })
        let matched = addedTokens.filter { !$0.special }
        textTokens = AddedTokenMatcher(matched.filter { !$0.normalized }) { $0.content }
        normalizedTextTokens = AddedTokenMatcher(matched.filter(\.normalized)) { normalizer.normalize($0.content) }
        // Build the character-class table now, so that it counts as loading rather than encoding.
        _ = CharacterClass.basicPlane
    }

    /// The pre-tokenization patterns' names joined by "+", or "none", as shard manifests record them.
    public var patternName: String { splits.isEmpty ? "none" : splits.map(\.rawValue).joined(separator: "+") }

    /// Loads a tiktoken rank file (`.tiktoken`) or a Hugging Face `tokenizer.json`, chosen by extension.
    /// `pattern` overrides the pre-tokenizer a rank file's name implies.
    public static func load(path: String, pattern: PreTokenizer? = nil) throws(TokenizerError) -> Tokenizer {
        if path.hasSuffix(".json") {
            let tokenizer = try HuggingFaceTokenizerFile.load(path: path)
            if let pattern, tokenizer.splits != [pattern] {
                throw TokenizerError("\(path): a tokenizer.json fixes its own pre-tokenizer (\(tokenizer.patternName)); drop the pattern option")
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
        var scratch = BytePairModel.Scratch()
        forEachPiece(of: text) { piece in
            switch piece {
            case .added(let id): output.append(id)
            case .text(let bytes): model.encode(bytes, into: &output, &scratch)
            }
        }
    }

    public enum Piece {
        /// An added token found in the text.
        case added(UInt32)
        /// Bytes that BPE encodes as one piece.
        case text(UnsafeBufferPointer<UInt8>)
    }

    /// Calls `body` with each piece of `text` in order: what comes before BPE.
    public func forEachPiece(of text: String, _ body: (Piece) -> Void) {
        var text = text
        text.withUTF8 { bytes in
            textTokens.forEachPiece(of: bytes) { range, id in
                if let id { return body(.added(id)) }
                let stretch = UnsafeBufferPointer(rebasing: bytes[range])
                if normalizer.isIdentity {
                    forEachPiece(ofNormalized: stretch, body)
                } else {
                    var normalized = normalizer.normalize(String(decoding: stretch, as: UTF8.self))
                    normalized.withUTF8 { forEachPiece(ofNormalized: $0, body) }
                }
            }
        }
    }

    private func forEachPiece(ofNormalized bytes: UnsafeBufferPointer<UInt8>, _ body: (Piece) -> Void) {
        normalizedTextTokens.forEachPiece(of: bytes) { range, id in
            if let id { return body(.added(id)) }
            guard !range.isEmpty else { return }
            if addsPrefixSpace && bytes[range.lowerBound] != UInt8(ascii: " ") {
                let spaced = [UInt8(ascii: " ")] + bytes[range]
                spaced.withUnsafeBufferPointer { split($0, stage: 0, body) }
            } else {
                split(UnsafeBufferPointer(rebasing: bytes[range]), stage: 0, body)
            }
        }
    }

    /// Cuts `bytes` with the pattern `splits[stage]`, and each piece with the patterns after it.
    private func split(_ bytes: UnsafeBufferPointer<UInt8>, stage: Int, _ body: (Piece) -> Void) {
        guard stage < splits.count else { return body(.text(bytes)) }
        splits[stage].forEachPiece(inValidUTF8: bytes) { range in
            split(UnsafeBufferPointer(rebasing: bytes[range]), stage: stage + 1, body)
        }
    }

    /// The ids that stand for text: all but special tokens and unused ids.
    public var ordinaryIds: [UInt32] {
        let special = Set(specialTokens.values)
        return (0..<UInt32(vocabularySize)).filter { id in
            !special.contains(id) && (addedContent[id] != nil || (Int(id) < model.tokenBytes.count && !model.tokenBytes[Int(id)].isEmpty))
        }
    }

    /// The bytes the tokens stand for; added and special tokens give their content.
    public func decodeBytes(_ ids: [UInt32]) -> [UInt8] {
        var bytes: [UInt8] = []
        for id in ids {
            if let content = addedContent[id] {
                bytes += content.utf8
            } else if Int(id) < model.tokenBytes.count {
                bytes += model.tokenBytes[Int(id)]
            }
        }
        return bytes
    }

    /// The text the tokens stand for; bytes that are not valid UTF-8 become U+FFFD.
    public func decode(_ ids: [UInt32]) -> String {
        String(decoding: decodeBytes(ids), as: UTF8.self)
    }

}
