import Foundation

/// Loading Hugging Face `tokenizer.json` files (oracle: the `tokenizers` library) of two kinds of BPE:
///
/// - byte-level (GPT-2, Pythia/GPT-NeoX, Llama 3, OLMo 2, Qwen 2, GPT-4o-like, Mistral NeMo): tokens
///   spelled in the byte-level alphabet; a ByteLevel pre-tokenizer, alone or last in a Sequence after
///   Splits whose regex is one of the patterns hapax scans exactly.
/// - SentencePiece's form (Llama 2, Mistral 7B, Gemma, as `transformers` converts them): tokens spelled
///   in text with `▁` for the space, merging from characters; a character missing from the vocabulary
///   becomes its bytes' `<0xXX>` tokens (`byte_fallback`) or `unk_token` (fused into one per run with
///   `fuse_unk`); either a Metaspace pre-tokenizer (`replacement`, `prepend_scheme`, `split`) or none,
///   with the spaces marked by the normalizers (`Prepend("▁")` and `Replace(" ", "▁")`).
///
/// Both take the normalizers of `TextNormalizer` and added tokens with their options. Anything else is
/// refused by name rather than encoded differently from Hugging Face.
enum HuggingFaceTokenizerFile {
    /// The top-level object of a JSON file.
    static func jsonObject(_ contents: Data) throws(TokenizerError) -> [String: Any] {
        do {
            guard let object = try JSONSerialization.jsonObject(with: contents) as? [String: Any] else {
                throw TokenizerError("the top level is not a JSON object")
            }
            return object
        } catch let error as TokenizerError {
            throw error
        } catch {
            throw TokenizerError("not valid JSON: \(jsonErrorDescription(error))")
        }
    }

    static func parse(_ root: [String: Any], source: String) throws(TokenizerError) -> Tokenizer {
        let json = JSONPath(root, path: "")

        let normalizer = TextNormalizer(try normalizerSteps(root["normalizer"] ?? NSNull(), place: "normalizer"))
        var preTokenizer = root["pre_tokenizer"].flatMap { $0 is NSNull ? nil : $0 }
        if try isSpaceSplitAfterSpacesReplaced(preTokenizer, normalizer) { preTokenizer = nil }
        let (splits, spaces, byteLevel) = try preTokenization(preTokenizer == nil ? nil : json.object("pre_tokenizer"))
        if let decoder = try json.optionalObject("decoder") {
            if byteLevel {
                try decoder.require("type", equals: "ByteLevel", because: "token bytes are spelled in the byte-level alphabet")
            } else if try decoder.string("type") == "ByteLevel" {
                throw TokenizerError("pre_tokenizer: none, but the decoder is ByteLevel: a byte-level BPE needs a ByteLevel pre-tokenizer (SentencePiece's form has Metaspace or none)")
            } else {
                try checkSentencePieceDecoder(decoder)
            }
        }

        let model = try json.object("model")
        if model.dictionary["type"] != nil {
            try model.require("type", equals: "BPE", because: "hapax implements BPE")
        }
        for key in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let value = try model.optionalString(key), !value.isEmpty {
                throw TokenizerError("model.\(key): must be null, got \"\(value)\"")
            }
        }
        let byteFallback = try model.optionalBool("byte_fallback") ?? false
        if byteFallback && byteLevel {
            throw TokenizerError("model.byte_fallback: must be false for a byte-level BPE")
        }
        if let dropout = model.dictionary["dropout"], !(dropout is NSNull), (dropout as? Double ?? 0) > 0 {
            throw TokenizerError("model.dropout: must be null; BPE dropout makes encoding random")
        }
        let ignoresMerges = try model.optionalBool("ignore_merges") ?? false

        let vocab = try model.object("vocab")
        var tokens: [[UInt8]?] = []
        var spellingOfId: [Int: String] = [:]
        let largestId = largestAllowedId(entries: vocab.dictionary.count + ((root["added_tokens"] as? [Any])?.count ?? 0))
        func spelled(_ spelling: String) -> [UInt8]? {
            byteLevel ? ByteLevelAlphabet.bytes(of: spelling) : Array(spelling.utf8)
        }
        for (spelling, value) in vocab.dictionary {
            let place = "model.vocab[\(quoted(spelling))]"
            guard let id = integer(value), id >= 0 else {
                throw TokenizerError("\(place): expected a non-negative integer id, got \(describe(value))")
            }
            guard id <= largestId else {
                throw TokenizerError("\(place): id \(id) is far beyond the file's number of tokens (at most \(largestId))")
            }
            // transformers converts Mistral's models with an empty token, which text never produces.
            guard let bytes = spelled(spelling), !bytes.isEmpty || !byteLevel else {
                throw TokenizerError("\(place): the token is not spelled in the byte-level alphabet")
            }
            if let other = spellingOfId[id] {
                throw TokenizerError("\(place): id \(id) is also given to \(quoted(other))")
            }
            spellingOfId[id] = spelling
            if id >= tokens.count { tokens += Array(repeating: nil, count: id + 1 - tokens.count) }
            tokens[id] = bytes.isEmpty ? nil : bytes
        }

        let table = ByteStringTable(tokens.enumerated().compactMap { id, bytes in bytes.map { (key: $0, id: UInt32(id)) } })
        func tokenId(_ spelling: String, _ place: String) throws(TokenizerError) -> (id: UInt32, bytes: [UInt8]) {
            guard let bytes = spelled(spelling), let id = table.id(of: bytes) else {
                throw TokenizerError("\(place): \(quoted(spelling)) is not in model.vocab")
            }
            return (id, bytes)
        }
        var rules: [(left: UInt32, right: UInt32, priority: UInt32, result: UInt32)] = []
        for (index, merge) in try model.array("merges").enumerated() {
            let place = "model.merges[\(index)]"
            let parts: [String]
            if let line = merge as? String {
                parts = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            } else if let pair = merge as? [Any], pair.allSatisfy({ $0 is String }) {
                parts = pair.map { $0 as! String }
            } else {
                throw TokenizerError("\(place): expected \"left right\" or [\"left\", \"right\"], got \(describe(merge))")
            }
            guard parts.count == 2 else {
                throw TokenizerError("\(place): expected two tokens, got \(parts.count)")
            }
            let left = try tokenId(parts[0], place), right = try tokenId(parts[1], place)
            guard let result = table.id(of: left.bytes + right.bytes) else {
                throw TokenizerError("\(place): merging \(quoted(parts[0])) and \(quoted(parts[1])) gives \(quoted(parts[0] + parts[1])), which is not in model.vocab")
            }
            rules.append((left.id, right.id, UInt32(index), result))
        }

        let added = try addedTokens(root["added_tokens"], largestId: largestId, vocabularyCount: vocab.dictionary.count) { content in
            spelled(content).flatMap { table.id(of: $0) }.map(Int.init)
        }
        let shortcut: BytePairModel.Shortcut = ignoresMerges ? .anyToken : .selfConsistentTokens
        if byteLevel {
            let bpe = try BytePairModel(tokens: TokenSpellings(tokens), merges: MergeRules(MergeTable(rules)), shortcut: shortcut)
            return Tokenizer(splits: splits, spaces: spaces, normalizer: normalizer, model: bpe,
                             addedTokens: added, source: "\(source) (Hugging Face byte-level BPE)")
        }
        guard let unknownSpelling = try model.optionalString("unk_token") else {
            throw TokenizerError("model.unk_token: missing; a BPE over characters needs it for characters outside the vocabulary")
        }
        let unknown = try tokenId(unknownSpelling, "model.unk_token").id
        // Hugging Face falls back to a character's byte tokens when all of them are in the vocabulary.
        let byteTokens = byteFallback ? (0...255).map { byte in
            spelled(SentencePieceSpelling.byteToken(UInt8(byte))).flatMap { table.id(of: $0) } ?? UInt32.max
        } : nil
        let bpe = try BytePairModel(tokens: TokenSpellings(tokens), merges: MergeRules(MergeTable(rules)), shortcut: shortcut,
                                    alphabet: .characters(byteTokens: byteTokens, unknown: unknown,
                                                          fusesUnknown: try model.optionalBool("fuse_unk") ?? false))
        return Tokenizer(splits: splits, spaces: spaces, normalizer: normalizer, model: bpe, addedTokens: added,
                         surfaces: TokenSpellings(tokens.map { $0.map(SentencePieceSpelling.surface) }),
                         source: "\(source) (Hugging Face BPE over characters, SentencePiece's form)")
    }

    /// The decoders `transformers` writes for SentencePiece's form, which only matter for showing
    /// tokens: hapax shows `▁` as a space and `<0xXX>` as its byte.
    private static func checkSentencePieceDecoder(_ decoder: JSONPath) throws(TokenizerError) {
        let known = ["Metaspace", "Replace", "ByteFallback", "Fuse", "Strip"]
        let type = try decoder.string("type")
        if type == "Sequence" {
            for stage in try decoder.objects("decoders") { try checkSentencePieceDecoder(stage) }
        } else if !known.contains(type) {
            throw TokenizerError("\(decoder.path).type: \(quoted(type)) is not a decoder of SentencePiece's form (\(known.joined(separator: ", ")), or a Sequence of them)")
        }
    }

    /// The patterns that cut the text, what happens to spaces, and whether the tokens are byte-level.
    /// ByteLevel must come last: before it the pieces are text, after it they are spelled in the
    /// byte-level alphabet. Without ByteLevel, the BPE merges characters: SentencePiece's form, with
    /// a Metaspace pre-tokenizer or none.
    private static func preTokenization(_ preTokenizer: JSONPath?) throws(TokenizerError) -> (splits: [PreTokenizer], spaces: SpaceMarking, byteLevel: Bool) {
        guard let preTokenizer else { return ([], .none, false) }
        if try preTokenizer.string("type") == "Metaspace" { return try metaspace(preTokenizer) }
        let stages: [JSONPath]
        if try preTokenizer.string("type") == "Sequence" {
            stages = try preTokenizer.objects("pretokenizers")
        } else {
            stages = [preTokenizer]
        }
        var splits: [PreTokenizer] = []
        var prefixSpace: Bool?  // set by the ByteLevel
        for stage in stages {
            if prefixSpace != nil {
                throw TokenizerError("\(stage.path): comes after ByteLevel; hapax needs ByteLevel last")
            }
            switch try stage.string("type") {
            case "ByteLevel":
                let addsPrefixSpace = try stage.optionalBool("add_prefix_space") ?? false
                if addsPrefixSpace && !splits.isEmpty {
                    throw TokenizerError("\(stage.path).add_prefix_space: true after a Split is not supported (it puts a space before every piece)")
                }
                if try stage.optionalBool("use_regex") ?? true { splits.append(.gpt2) }
                prefixSpace = addsPrefixSpace
            case "Split":
                let pattern = try stage.object("pattern")
                guard let regex = try pattern.optionalString("Regex") else {
                    throw TokenizerError("\(pattern.path): only a Regex is supported, as one of the known patterns (\(knownRegexes))")
                }
                guard let known = PreTokenizer(huggingFaceRegex: regex) else {
                    throw TokenizerError("\(pattern.path).Regex: \(quoted(regex)) is not a pattern hapax runs exactly (\(knownRegexes)); it is refused rather than approximated")
                }
                // A known pattern's matches tile the text, so every behavior but two keeps each match a piece.
                let behavior = try stage.string("behavior"), invert = try stage.optionalBool("invert") ?? false
                switch behavior {
                case "Isolated", "MergedWithPrevious", "MergedWithNext": splits.append(known)
                case "Removed" where invert: splits.append(known)
                case "Contiguous": break
                case "Removed": throw TokenizerError("\(stage.path).behavior: Removed without invert removes all the text")
                default: throw TokenizerError("\(stage.path).behavior: \(quoted(behavior)) is not one of Hugging Face's behaviors")
                }
            case let other:
                throw TokenizerError("\(stage.path).type: \(quoted(other)) is not supported; hapax runs ByteLevel (after Splits with a known pattern in a Sequence), or Metaspace alone")
            }
        }
        guard let prefixSpace else {
            throw TokenizerError("\(preTokenizer.path): has no ByteLevel pre-tokenizer, which a byte-level BPE needs last")
        }
        return (splits, prefixSpace ? .byteLevelPrefix : .none, true)
    }

    /// `transformers` writes Gemma's pre-tokenizer as a Split on the string " ", after a normalizer
    /// that has replaced every space with `▁`: it never finds a space, so it cuts nothing.
    private static func isSpaceSplitAfterSpacesReplaced(_ preTokenizer: Any?, _ normalizer: TextNormalizer) throws(TokenizerError) -> Bool {
        guard let object = preTokenizer as? [String: Any], object["type"] as? String == "Split",
              (object["pattern"] as? [String: Any])?["String"] as? String == " " else { return false }
        guard case .replace(" ", let replacement)? = normalizer.steps.last, !replacement.contains(" ") else {
            throw TokenizerError("pre_tokenizer: a Split on the string \" \" is supported only after a normalizer that replaces every space, as transformers writes for Gemma")
        }
        return true
    }

    /// Hugging Face's Metaspace: spaces become `replacement`, which `prepend_scheme` (or the older
    /// `add_prefix_space`: true is `always`) puts before the text, and `split` cuts before each.
    private static func metaspace(_ stage: JSONPath) throws(TokenizerError) -> (splits: [PreTokenizer], spaces: SpaceMarking, byteLevel: Bool) {
        let replacement = try stage.optionalString("replacement") ?? SentencePieceSpelling.space
        guard replacement == SentencePieceSpelling.space else {
            throw TokenizerError("\(stage.path).replacement: \(quoted(replacement)) is not supported; hapax runs Metaspace with ▁ (U+2581)")
        }
        let scheme: SpaceMarking.Prefix
        if let name = try stage.optionalString("prepend_scheme") {
            guard let known = SpaceMarking.Prefix(rawValue: name) else {
                throw TokenizerError("\(stage.path).prepend_scheme: \(quoted(name)) is not one of always, first, never")
            }
            scheme = known
        } else {
            scheme = try stage.optionalBool("add_prefix_space") ?? true ? .always : .never
        }
        let splits: [PreTokenizer] = try stage.optionalBool("split") ?? true ? [.metaspace] : []
        return (splits, .metaspace(replacement, scheme: scheme), false)
    }

    private static var knownRegexes: String {
        PreTokenizer.allCases.filter { $0.huggingFaceRegex != nil }.map(\.rawValue).joined(separator: ", ")
    }

    private static func normalizerSteps(_ value: Any, place: String) throws(TokenizerError) -> [TextNormalizer.Step] {
        if value is NSNull { return [] }
        guard let object = value as? [String: Any] else { throw TokenizerError("\(place): expected an object or null, got \(describe(value))") }
        let json = JSONPath(object, path: place)
        switch try json.string("type") {
        case "NFC": return [.nfc]
        case "NFD": return [.nfd]
        case "NFKC": return [.nfkc]
        case "NFKD": return [.nfkd]
        case "Lowercase": return [.lowercase]
        case "Prepend": return [.prepend(try json.string("prepend"))]
        case "Replace":
            let pattern = try json.object("pattern")
            guard let string = try pattern.optionalString("String") else {
                throw TokenizerError("\(pattern.path): only a plain String is supported, not a Regex")
            }
            return [.replace(string, with: try json.string("content"))]
        case "Sequence":
            var steps: [TextNormalizer.Step] = []
            for (index, step) in try json.array("normalizers").enumerated() {
                steps += try normalizerSteps(step, place: "\(place).normalizers[\(index)]")
            }
            return steps
        case let other:
            throw TokenizerError("\(place).type: \(quoted(other)) is not supported; hapax applies NFC, NFD, NFKC, NFKD, Lowercase, Prepend, Replace (a plain string) and Sequence of them")
        }
    }

    /// The added tokens with the ids Hugging Face gives them (`AddedToken.huggingFaceIds`); tokens
    /// with empty content are left out, as Hugging Face leaves them.
    private static func addedTokens(_ value: Any?, largestId: Int, vocabularyCount: Int,
                                    vocabularyId: (String) -> Int?) throws(TokenizerError) -> [AddedToken] {
        guard let value, !(value is NSNull) else { return [] }
        guard let list = value as? [Any] else { throw TokenizerError("added_tokens: expected an array, got \(describe(value))") }
        var written: [(content: String, special: Bool, normalized: Bool, lstrip: Bool, rstrip: Bool, singleWord: Bool)] = []
        for (index, item) in list.enumerated() {
            let place = "added_tokens[\(index)]"
            guard let object = item as? [String: Any] else {
                throw TokenizerError("\(place): expected an object, got \(describe(item))")
            }
            let entry = JSONPath(object, path: place)
            guard let id = integer(object["id"] as Any), id >= 0 else {
                throw TokenizerError("\(place).id: expected a non-negative integer, got \(describe(object["id"] as Any))")
            }
            guard id <= largestId else {
                throw TokenizerError("\(place).id: \(id) is far beyond the file's number of tokens (at most \(largestId))")
            }
            // Hugging Face's defaults: not special, and normalized unless special.
            let special = try entry.optionalBool("special") ?? false
            let content = try entry.string("content")
            guard !content.isEmpty else { continue }
            written.append((content, special, try entry.optionalBool("normalized") ?? !special, try entry.optionalBool("lstrip") ?? false,
                            try entry.optionalBool("rstrip") ?? false, try entry.optionalBool("single_word") ?? false))
        }
        let ids = AddedToken.huggingFaceIds(of: written.map(\.content), vocabularyCount: vocabularyCount, vocabularyId: vocabularyId)
        return zip(written, ids).map { token, id in
            AddedToken(content: token.content, id: UInt32(id), special: token.special, normalized: token.normalized,
                       lstrip: token.lstrip, rstrip: token.rstrip, singleWord: token.singleWord)
        }
    }

    private static func jsonErrorDescription(_ error: Error) -> String {
        let nsError = error as NSError
        return (nsError.userInfo[NSDebugDescriptionErrorKey] as? String) ?? nsError.localizedDescription
    }
}
