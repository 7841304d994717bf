import Foundation

/// Loading Mistral's Tekken files (`tekken_*.json`; NeMo, Pixtral, Small 3), encoded exactly as
/// `mistral_common`'s `Tekkenizer.encode(text, bos=False, eos=False)` encodes (oracle: mistral-common
/// 1.13.1).
///
/// The file is a JSON object: `config` with the pre-tokenizer `pattern`, `default_vocab_size` (all ids)
/// and `default_num_special_tokens` (the ids special tokens take first); `vocab`, a list of
/// `{"rank", "token_bytes" (base64), "token_str"}` in rank order, of which the first `default_vocab_size
/// - default_num_special_tokens` are used; and, from version v7 on, `special_tokens`, a list of
/// `{"rank", "token_str", "is_control"}`; older files take mistral_common's twenty (`<unk>`, `<s>`,
/// `</s>`, `[INST]`, …), and ids left over are `<SPECIAL_n>`. Encoding is tiktoken's byte-level BPE over
/// the ranks with that pattern (hapax's `tekken`), each id then shifted past the special tokens.
enum TekkenFile {
    /// Whether a tokenizer JSON file is a Tekken file rather than a Hugging Face tokenizer.json.
    static func describes(_ root: JSONValue) -> Bool {
        root["config"]?.kind == .object && root["vocab"]?.kind == .array
    }

    static let olderSpecialTokens = [
        "<unk>", "<s>", "</s>", "[INST]", "[/INST]", "[AVAILABLE_TOOLS]", "[/AVAILABLE_TOOLS]", "[TOOL_RESULTS]",
        "[/TOOL_RESULTS]", "[TOOL_CALLS]", "[IMG]", "<pad>", "[IMG_BREAK]", "[IMG_END]", "[PREFIX]", "[MIDDLE]",
        "[SUFFIX]", "[SYSTEM_PROMPT]", "[/SYSTEM_PROMPT]", "[TOOL_CONTENT]",
    ]

    static func parse(_ root: JSONValue, source: String) throws(TokenizerError) -> Tokenizer {
        let json = JSONPath(root, path: "")
        let config = try json.object("config")
        let pattern = try config.string("pattern")
        guard pattern == PreTokenizer.tekken.huggingFaceRegex else {
            throw TokenizerError("config.pattern: \(quoted(pattern)) is not the Tekken pattern hapax scans exactly; it is refused rather than approximated")
        }
        let vocabularySize = try config.count("default_vocab_size"), specialCount = try config.count("default_num_special_tokens")
        let vocab = try json.array("vocab")
        guard specialCount <= vocabularySize, vocabularySize - specialCount <= vocab.count else {
            throw TokenizerError("config.default_vocab_size: \(vocabularySize) ids cannot hold \(specialCount) special tokens and at most \(vocab.count) ranks of vocab")
        }
        var spellings = TokenSpellings()
        spellings.pad(to: specialCount)
        for (rank, item) in vocab.prefix(vocabularySize - specialCount).enumerated() {
            let place = "vocab[\(rank)]"
            guard item.kind == .object else { throw TokenizerError("\(place): expected an object, got \(item.described)") }
            guard item["rank"]?.integer == rank else {
                throw TokenizerError("\(place).rank: expected \(rank), the entry's position, got \(item["rank"]?.described ?? "nothing")")
            }
            guard let encoded = item["token_bytes"], encoded.kind == .string else {
                throw TokenizerError("\(place).token_bytes: expected a string, got \(item["token_bytes"]?.described ?? "nothing")")
            }
            let decoded = encoded.withUTF8 { text in
                text.count <= (TiktokenFile.maximumTokenBytes + 2) / 3 * 4 && spellings.append(decoding: { Base64.decode(text, appendingTo: &$0) })
            } ?? false
            guard decoded, !spellings.isEmpty(spellings.count - 1) else {
                throw TokenizerError("\(place).token_bytes: not the base64 of a token")
            }
            guard rank >= 256 || spellings[spellings.count - 1].elementsEqual([UInt8(rank)]) else {
                throw TokenizerError("\(place).token_bytes: the first 256 ranks must be the single bytes in order")
            }
        }
        let (table, duplicates) = ByteStringTable.indexing(spellings)
        if let duplicate = duplicates.min(by: { $0.other < $1.other }) {
            throw TokenizerError("vocab[\(Int(duplicate.other) - specialCount)].token_bytes: the token is already rank \(Int(duplicate.kept) - specialCount)")
        }
        let specials = try specialTokens(json, count: specialCount)
        // Ids shifted past the special tokens keep the ranks' order, so they serve as priorities.
        let tokens = spellings
        let model = try BytePairModel(tokens: tokens, vocabulary: table, merges: .ranks, shortcut: .anyToken)
        let added = specials.enumerated().map { id, content in
            AddedToken(content: content, id: UInt32(id), special: true, normalized: false, lstrip: false, rstrip: false, singleWord: false)
        }
        return Tokenizer(splits: [.tekken], model: model, addedTokens: added, source: "\(source) (Tekken, tekken pattern)")
    }

    /// The contents of the special tokens by id.
    private static func specialTokens(_ json: JSONPath, count: Int) throws(TokenizerError) -> [String] {
        var contents: [String]
        if json["special_tokens"] != nil {
            contents = []
            for (index, entry) in try json.objects("special_tokens").enumerated() {
                guard entry["rank"]?.integer == index else {
                    throw TokenizerError("special_tokens[\(index)].rank: expected \(index), the entry's position")
                }
                contents.append(try entry.string("token_str"))
            }
        } else {
            contents = olderSpecialTokens
        }
        guard contents.count <= count else {
            throw TokenizerError("special_tokens: \(contents.count) tokens, more than config.default_num_special_tokens (\(count))")
        }
        contents += (contents.count..<count).map { "<SPECIAL_\($0)>" }
        // Compared by bytes, as mistral_common's dictionary compares them.
        guard Set(contents.map { Array($0.utf8) }).count == contents.count else { throw TokenizerError("special_tokens: a token is listed twice") }
        return contents
    }
}
