import Foundation

/// A tokenizer.json whose normalizer, pre-tokenizer, decoder and added tokens a newly trained BPE keeps
/// (`train-tokenizer --like`): the corpus is cut into pieces as the template cuts text, the trained
/// vocabulary and merges replace its model's, and its added tokens follow the trained tokens, in its order.
public struct TokenizerTemplate {
    public let path: String
    public let tokenizer: Tokenizer
    private let root: [String: Any]

    public init(path: String) throws(TokenizerError) {
        guard path.hasSuffix(".json") else { throw TokenizerError("\(path): a template must be a Hugging Face tokenizer.json") }
        self.path = path
        tokenizer = try Tokenizer.load(path: path)
        // The file parsed just above; only its parts are kept here, to be written back. A Tekken file
        // has `config` and `vocab`.
        root = (try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))) as? [String: Any] ?? [:]
        if let model = tokenizer.pieceModel {
            throw TokenizerError("\(path): its model is \(model.name); hapax trains byte-level BPE, so a template must be a byte-level tokenizer.json")
        }
        guard !(root["config"] is [String: Any] && root["vocab"] is [Any]), case .bytes = tokenizer.model.alphabet else {
            throw TokenizerError("\(path): hapax trains byte-level BPE, so a template must be a byte-level tokenizer.json, not a Tekken file or a BPE over characters (SentencePiece's form)")
        }
    }

    /// A post-processor that names token ids (Llama 3's TemplateProcessing adding <|begin_of_text|>)
    /// would name the template's ids, so it is dropped; ByteLevel's names none.
    public var dropsPostProcessor: Bool {
        guard let processor = root["post_processor"], !(processor is NSNull) else { return false }
        return (processor as? [String: Any])?["type"] as? String != "ByteLevel"
    }

    /// The trained tokenizer.json: the template with `result`'s vocabulary and merges, its added
    /// tokens numbered after the trained tokens, as Hugging Face numbers them on loading (a content
    /// that the training made a token takes that token's id).
    public func json(for result: BPETrainer.Result) -> Data {
        var root = self.root
        let spellings = result.tokens.map(ByteLevelAlphabet.spell)
        let vocabulary = Dictionary(uniqueKeysWithValues: spellings.enumerated().map { ($1, $0) })
        let added = ((root["added_tokens"] as? [[String: Any]]) ?? []).filter { ($0["content"] as? String ?? "") != "" }
        let ids = AddedToken.huggingFaceIds(of: added.map { $0["content"] as! String }, vocabularyCount: vocabulary.count) { vocabulary[$0] }
        root["added_tokens"] = zip(added, ids).map { entry, id in entry.merging(["id": id]) { $1 } }
        var model = (root["model"] as? [String: Any]) ?? ["type": "BPE"]
        model["vocab"] = vocabulary
        model["merges"] = result.merges.map { spellings[Int($0.left)] + " " + spellings[Int($0.right)] }
        root["model"] = model
        if dropsPostProcessor { root["post_processor"] = NSNull() }
        // Every value came from JSON or is a string, number or array of them, so it serializes.
        return try! JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }
}
