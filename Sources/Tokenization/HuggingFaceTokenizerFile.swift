import Foundation
import WorkerPool

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
/// Both take the normalizers of `TextNormalizer` and added tokens with their options (compared as
/// bytes, as Hugging Face compares them; a content listed again takes its last entry's options).
/// Anything else is refused by name rather than encoded differently from Hugging Face.
enum HuggingFaceTokenizerFile {
    /// The top-level object of a JSON file.
    static func root(_ contents: FileContents) throws(TokenizerError) -> JSONValue {
        let root = try JSONDocument(contents).root
        guard root.kind == .object else { throw TokenizerError("the top level is not a JSON object") }
        return root
    }

    /// The file with `model.vocab` written `{}` and `model.merges` `[]`: what is left to read once the
    /// vocabulary is known.
    static func withoutVocabulary(_ root: JSONValue) -> [UInt8] {
        guard let model = root["model"], let vocab = model["vocab"], vocab.kind == .object,
              let merges = model["merges"], merges.kind == .array else { return root.document.contents.withBytes { Array($0) } }
        let (first, second) = vocab.index < merges.index ? (vocab, merges) : (merges, vocab)
        func empty(_ value: JSONValue) -> [UInt8] { value.kind == .object ? Array("{}".utf8) : Array("[]".utf8) }
        return root.document.contents.withBytes { bytes in
            Array(bytes[..<first.byteRange.lowerBound]) + empty(first) + bytes[first.byteRange.upperBound..<second.byteRange.lowerBound]
                + empty(second) + bytes[second.byteRange.upperBound...]
        }
    }

    /// What `model.vocab` and `model.merges` say: most of a large file, and most of its loading time,
    /// so `TokenizerCache` keeps it.
    struct Vocabulary {
        /// The spellings by id.
        let tokens: TokenSpellings
        let table: ByteStringTable
        /// How many names `model.vocab` lists.
        let listed: Int
        let rules: [Rule]

        init(tokens: TokenSpellings, table: ByteStringTable? = nil, listed: Int, rules: [Rule]) {
            self.tokens = tokens
            self.table = table ?? ByteStringTable.indexing(tokens).table
            self.listed = listed
            self.rules = rules
        }
    }

    /// The tokenizer `root` describes, with `vocabulary` when given (read from the same file before),
    /// else with the one read from `model.vocab` and `model.merges`, which `read` is handed before the
    /// model is built (the cache stores it meanwhile).
    static func parse(_ root: JSONValue, source: String, vocabulary known: Vocabulary? = nil,
                      read: (Vocabulary) -> Void = { _ in }) throws(TokenizerError) -> Tokenizer {
        let json = JSONPath(root, path: "")

        let normalizer = TextNormalizer(try normalizerSteps(root["normalizer"], place: "normalizer"))
        var preTokenizer = root["pre_tokenizer"].flatMap { $0.isNull ? nil : $0 }
        if try isSpaceSplitAfterSpacesReplaced(preTokenizer, normalizer) { preTokenizer = nil }
        let (stages, spaces, byteLevel) = try preTokenization(preTokenizer == nil ? nil : json.object("pre_tokenizer"))
        if let decoder = try json.optionalObject("decoder") {
            if byteLevel {
                try decoder.require("type", equals: "ByteLevel", because: "token bytes are spelled in the byte-level alphabet")
            } else if try decoder.string("type") == "ByteLevel" {
                throw TokenizerError("pre_tokenizer: no ByteLevel, but the decoder is ByteLevel: a byte-level BPE needs a ByteLevel pre-tokenizer")
            } else {
                try checkSentencePieceDecoder(decoder)
            }
        }

        let model = try json.object("model")
        if let type = model["type"]?.string, ["Unigram", "WordPiece", "WordLevel"].contains(type) {
            guard !byteLevel else { throw TokenizerError("model.type: \(type) after a ByteLevel pre-tokenizer is not supported") }
            if type == "Unigram" {
                return try HuggingFaceUnigramFile.tokenizer(model: model, addedTokens: root["added_tokens"], normalizer: normalizer,
                                                            stages: stages, spaces: spaces, source: source)
            }
            return try HuggingFaceWordPieceFile.tokenizer(model: model, type: type, addedTokens: root["added_tokens"], normalizer: normalizer,
                                                          stages: stages, spaces: spaces, source: source)
        }
        if model["type"] != nil {
            try model.require("type", equals: "BPE", because: "hapax implements BPE, Unigram, WordPiece and WordLevel")
        }
        for key in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let value = try model.optionalString(key), !value.isEmpty {
                throw TokenizerError("model.\(key): must be null, got \(quoted(value))")
            }
        }
        let byteFallback = try model.optionalBool("byte_fallback") ?? false
        if byteFallback && byteLevel {
            throw TokenizerError("model.byte_fallback: must be false for a byte-level BPE")
        }
        if let dropout = model["dropout"], (dropout.number ?? 0) > 0 {
            throw TokenizerError("model.dropout: must be null; BPE dropout makes encoding random")
        }
        let ignoresMerges = try model.optionalBool("ignore_merges") ?? false

        let addedCount = root["added_tokens"].map { $0.kind == .array ? $0.count : 0 } ?? 0
        let spelling = Spelling(byteLevel: byteLevel)
        let vocabulary: Vocabulary
        var literals: [[UInt8]: Int] = [:]
        if let known {
            vocabulary = known
        } else {
            let merges = model["merges"]
            let spelled = BackgroundValue { SpelledMerges(merges, spelling: spelling) }
            let vocab = try model.object("vocab"), listed = vocab.value.count
            let (tokens, table, found) = try self.vocabulary(vocab.value, largestId: largestAllowedId(entries: listed + addedCount),
                                                             spelling: spelling, addedContents: byteLevel ? addedContents(root["added_tokens"]) : [])
            vocabulary = Vocabulary(tokens: tokens, table: table, listed: listed,
                                    rules: try spelled.value.rules(table: table, spelling: spelling))
            literals = found
            // The cache keeps spellings, which these keys lack: a file with them is read whole each time.
            if literals.isEmpty { read(vocabulary) }
        }
        let (tokens, table) = (vocabulary.tokens, vocabulary.table)
        func spelled(_ name: String) -> [UInt8]? { spelling.bytes(of: name) }
        func tokenId(_ spelling: String, _ place: String) throws(TokenizerError) -> UInt32 {
            guard let bytes = spelled(spelling), let id = table.id(of: bytes) else {
                throw TokenizerError("\(place): \(quoted(spelling)) is not in model.vocab")
            }
            return id
        }
        let added = try addedTokens(root["added_tokens"], largestId: largestAllowedId(entries: vocabulary.listed + addedCount),
                                    vocabularyCount: vocabulary.listed) { content in
            spelled(content).flatMap { table.id(of: $0) }.map(Int.init) ?? literals[Array(content.utf8)]
        }
        let shortcut: BytePairModel.Shortcut = ignoresMerges ? .anyToken : .selfConsistentTokens
        if byteLevel {
            let bpe = try BytePairModel(tokens: tokens, vocabulary: table, merges: .listed(MergeTable(vocabulary.rules)), shortcut: shortcut)
            return Tokenizer(splits: [], stages: stages, spaces: spaces, normalizer: normalizer, model: bpe,
                             addedTokens: added, source: "\(source) (Hugging Face byte-level BPE)")
        }
        guard let unknownSpelling = try model.optionalString("unk_token") else {
            throw TokenizerError("model.unk_token: missing; a BPE over characters needs it for characters outside the vocabulary")
        }
        let unknown = try tokenId(unknownSpelling, "model.unk_token")
        // Hugging Face falls back to a character's byte tokens when all of them are in the vocabulary.
        let byteTokens = byteFallback ? (0...255).map { byte in
            spelled(SentencePieceSpelling.byteToken(UInt8(byte))).flatMap { table.id(of: $0) } ?? UInt32.max
        } : nil
        let bpe = try BytePairModel(tokens: tokens, vocabulary: table, merges: .listed(MergeTable(vocabulary.rules)), shortcut: shortcut,
                                    alphabet: .characters(byteTokens: byteTokens, unknown: unknown,
                                                          fusesUnknown: try model.optionalBool("fuse_unk") ?? false))
        return Tokenizer(splits: [], stages: stages, spaces: spaces, normalizer: normalizer, model: bpe, addedTokens: added,
                         surfaces: TokenSpellings((0..<tokens.count).map { tokens.isEmpty($0) ? nil : SentencePieceSpelling.surface(Array(tokens[$0])) }),
                         source: "\(source) (Hugging Face BPE over characters, SentencePiece's form)")
    }

    /// The spellings by id from `model.vocab`, and the table that finds an id by its spelling. Names
    /// and ids are read straight from the document's nodes and bytes, as the merges are: a vocabulary
    /// has a hundred thousand of them, and a `JSONValue` for each cost its document's reference count.
    ///
    /// A byte-level file may list added tokens in `model.vocab` under their own text rather than its
    /// byte-level spelling (DeepSeek-V3's `<｜begin▁of▁sentence｜>`, with full-width bars and `▁`):
    /// BPE never produces such a key, so it is kept as an id spelled by no bytes, and returned in
    /// `literals` by its text, where the added token finds its id.
    private static func vocabulary(_ vocab: JSONValue, largestId: Int, spelling: Spelling, addedContents: Set<[UInt8]>)
        throws(TokenizerError) -> (TokenSpellings, ByteStringTable, literals: [[UInt8]: Int]) {
        let document = vocab.document
        var starts = [0]                    // listing k is spelled arena[starts[k]..<starts[k + 1]], in the file's order
        var idOfListing: [Int] = []
        var nameOfListing: [Int] = []       // the name's node
        var listingOfId: [Int32] = []       // -1: no token has the id
        var literals: [[UInt8]: Int] = [:]
        func place(_ name: Int) -> String { "model.vocab[\(quoted(JSONValue(document: document, index: name).string ?? ""))]" }
        var failure: TokenizerError?
        // No name spells more bytes than the object holds.
        let arena = [UInt8](unsafeUninitializedCapacity: vocab.byteRange.count) { arena, initialized in
            document.contents.withBytes { text in
                document.nodes.withUnsafeBufferPointer { nodes in
                    var name = vocab.index + 1
                    while name < Int(nodes[vocab.index].next) {
                        let value = Int(nodes[name].next)
                        guard let id = JSONDocument.integer(nodes[value], in: text), id >= 0 else {
                            failure = TokenizerError("\(place(name)): expected a non-negative integer id, got \(JSONValue(document: document, index: value).described)")
                            return
                        }
                        guard id <= largestId else {
                            failure = TokenizerError("\(place(name)): id \(id) is far beyond the file's number of tokens (at most \(largestId))")
                            return
                        }
                        let node = nodes[name], out = arena.baseAddress! + initialized
                        var written = node.escaped
                            ? JSONValue(document: document, index: name).withUTF8 { spelling.write($0, to: out) } ?? nil
                            : spelling.write(UnsafeBufferPointer(rebasing: text[Int(node.start)..<Int(node.end)]), to: out)
                        if written == nil, !addedContents.isEmpty, let literal = JSONValue(document: document, index: name).withUTF8({ Array($0) }),
                           addedContents.contains(literal) {
                            literals[literal] = id
                            written = 0
                        } else if written == 0 && spelling.byteLevel {
                            written = nil
                        }
                        // transformers converts Mistral's models with an empty token, which text never produces.
                        guard let written else {
                            failure = TokenizerError("\(place(name)): the token is not spelled in the byte-level alphabet, and is no added token's content")
                            return
                        }
                        if id >= listingOfId.count { listingOfId += repeatElement(-1, count: id + 1 - listingOfId.count) }
                        guard listingOfId[id] < 0 else {
                            failure = TokenizerError("\(place(name)): id \(id) is also given to \(quoted(JSONValue(document: document, index: nameOfListing[Int(listingOfId[id])]).string ?? ""))")
                            return
                        }
                        initialized += written
                        starts.append(initialized)
                        listingOfId[id] = Int32(idOfListing.count)
                        idOfListing.append(id)
                        nameOfListing.append(name)
                        name = Int(nodes[value].next)
                    }
                }
            }
        }
        if let failure { throw failure }
        let listed = TokenSpellings(arena: arena, starts: starts)
        // Files list ids in order, which makes the listing the spellings by id as it is.
        var tokens = listed
        if !idOfListing.enumerated().allSatisfy({ $0.offset == $0.element }) {
            tokens = TokenSpellings()
            for listing in listingOfId { listing < 0 ? tokens.append([] as [UInt8]) : tokens.append(listed[Int(listing)]) }
        }
        let (table, duplicates) = ByteStringTable.indexing(tokens)
        if let duplicate = duplicates.first {
            throw TokenizerError("\(place(nameOfListing[Int(listingOfId[Int(duplicate.other)])])): listed twice, with ids \(duplicate.kept) and \(duplicate.other)")
        }
        return (tokens, table, literals)
    }

    /// How a token's name in the file spells its bytes: through the byte-level alphabet, or as its
    /// own UTF-8 (SentencePiece's form).
    struct Spelling: Sendable {
        let byteLevel: Bool

        /// Writes the bytes `utf8` spells to `out`, which has room for `utf8.count` (no name spells
        /// more bytes than it has), and returns how many; nil when it is not spelled in the
        /// byte-level alphabet. A large vocabulary and its merges spell a million names and parts,
        /// so they are written in place, into memory sized for the whole file's.
        func write(_ utf8: UnsafeBufferPointer<UInt8>, to out: UnsafeMutablePointer<UInt8>) -> Int? {
            guard byteLevel else {
                if let base = utf8.baseAddress { out.update(from: base, count: utf8.count) }
                return utf8.count
            }
            return ByteLevelAlphabet.write(bytesOfUTF8: utf8, to: out)
        }

        func bytes(of name: String) -> [UInt8]? {
            let utf8 = Array(name.utf8)
            guard !utf8.isEmpty else { return [] }
            var written: Int?
            let bytes = [UInt8](unsafeUninitializedCapacity: utf8.count) { out, count in
                written = utf8.withUnsafeBufferPointer { write($0, to: out.baseAddress!) }
                count = written ?? 0
            }
            return written == nil ? nil : bytes
        }
    }

    typealias Rule = (left: UInt32, right: UInt32, priority: UInt32, result: UInt32)

    /// The decoders `transformers` writes for SentencePiece's form and BERT's WordPiece, which only
    /// matter for showing tokens: hapax shows `▁` as a space, `<0xXX>` as its byte, and a continuing
    /// WordPiece without its prefix.
    private static func checkSentencePieceDecoder(_ decoder: JSONPath) throws(TokenizerError) {
        let known = ["Metaspace", "Replace", "ByteFallback", "Fuse", "Strip", "WordPiece"]
        let type = try decoder.string("type")
        if type == "Sequence" {
            for stage in try decoder.objects("decoders") { try checkSentencePieceDecoder(stage) }
        } else if !known.contains(type) {
            throw TokenizerError("\(decoder.path).type: \(quoted(type)) is not a decoder hapax reads without ByteLevel (\(known.joined(separator: ", ")), or a Sequence of them)")
        }
    }

    /// The stages that cut the text, what happens to spaces, and whether the tokens are byte-level.
    /// Before ByteLevel the pieces are text, after it they are spelled in the byte-level alphabet.
    /// Without ByteLevel, the model reads characters: SentencePiece's form of BPE, Unigram, WordPiece
    /// and WordLevel, after any Sequence of the other pre-tokenizers (a Metaspace in it marks the
    /// spaces of each piece it is handed), or Metaspace alone.
    private static func preTokenization(_ preTokenizer: JSONPath?) throws(TokenizerError) -> (stages: [PreTokenizerStage], spaces: SpaceMarking, byteLevel: Bool) {
        guard let preTokenizer else { return ([], .none, false) }
        if try preTokenizer.string("type") == "Metaspace" { return try metaspace(preTokenizer) }
        // A Sequence inside a Sequence runs its stages in its place.
        func flattened(_ stage: JSONPath) throws(TokenizerError) -> [JSONPath] {
            guard try stage.string("type") == "Sequence" else { return [stage] }
            var stages: [JSONPath] = []
            for inner in try stage.objects("pretokenizers") { stages += try flattened(inner) }
            return stages
        }
        let stages = try flattened(preTokenizer)
        var splits: [PreTokenizerStage] = []
        var prefixSpace: Bool?  // set by the ByteLevel
        var metaspaceStage: String?
        for stage in stages {
            var scanner: PreTokenizer?
            if prefixSpace == nil, try stage.string("type") == "Split" { scanner = try scannerSplit(stage) }
            if scanner == nil, let cutters = try PieceCutter.parse(stage, afterByteLevel: prefixSpace != nil) {
                splits += cutters.map { .cutter($0) }
                continue
            }
            switch try stage.string("type") {
            case "ByteLevel" where prefixSpace != nil:
                throw TokenizerError("\(stage.path): a second ByteLevel")
            case "ByteLevel" where metaspaceStage != nil, "Metaspace" where prefixSpace != nil:
                throw TokenizerError("\(stage.path): ByteLevel and Metaspace in one Sequence are not supported (each spells the space its own way)")
            case "ByteLevel":
                let addsPrefixSpace = try stage.optionalBool("add_prefix_space") ?? false
                if addsPrefixSpace && !splits.isEmpty {
                    throw TokenizerError("\(stage.path).add_prefix_space: true after a Split is not supported (it puts a space before every piece)")
                }
                if try stage.optionalBool("use_regex") ?? true { splits.append(.scanner(.gpt2)) }
                prefixSpace = addsPrefixSpace
            case "Metaspace":
                let (cuts, spaces, _) = try metaspace(stage)
                splits += [.marking(spaces)] + cuts
                metaspaceStage = stage.path
            case "Split":
                splits.append(.scanner(scanner!))
            case let other:
                throw TokenizerError("\(stage.path).type: \(quoted(other)) is not supported; hapax runs ByteLevel, Metaspace and \(PieceCutter.types.joined(separator: ", ")) in a Sequence")
            }
        }
        guard let prefixSpace else { return (splits, .none, false) }
        return (splits, prefixSpace ? .byteLevelPrefix : .none, true)
    }

    /// `transformers` writes Gemma's pre-tokenizer as a Split on the string " ", after a normalizer
    /// that has replaced every space with `▁`: it never finds a space, so it cuts nothing.
    private static func isSpaceSplitAfterSpacesReplaced(_ preTokenizer: JSONValue?, _ normalizer: TextNormalizer) throws(TokenizerError) -> Bool {
        guard let preTokenizer, preTokenizer["type"]?.string == "Split", preTokenizer["pattern"]?["String"]?.string == " " else { return false }
        guard case .replace(" ", let replacement)? = normalizer.steps.last, !replacement.contains(" ") else {
            throw TokenizerError("pre_tokenizer: a Split on the string \" \" is supported only after a normalizer that replaces every space, as transformers writes for Gemma")
        }
        return true
    }

    /// Hugging Face's Metaspace: spaces become `replacement`, which `prepend_scheme` (or the older
    /// `add_prefix_space`: true is `always`) puts before the text, and `split` cuts before each.
    private static func metaspace(_ stage: JSONPath) throws(TokenizerError) -> (stages: [PreTokenizerStage], spaces: SpaceMarking, byteLevel: Bool) {
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
        let splits: [PreTokenizerStage] = try stage.optionalBool("split") ?? true ? [.scanner(.metaspace)] : []
        return (splits, .metaspace(replacement, scheme: scheme), false)
    }

    /// The scanner that cuts as the Split `stage` does, when its regex is a known pattern: the
    /// pattern's matches tile the text, so these behaviors keep each match a piece.
    private static func scannerSplit(_ stage: JSONPath) throws(TokenizerError) -> PreTokenizer? {
        guard let regex = try stage.object("pattern").optionalString("Regex"), let known = PreTokenizer(huggingFaceRegex: regex) else { return nil }
        switch (try stage.string("behavior"), try stage.optionalBool("invert") ?? false) {
        case ("Isolated", _), ("MergedWithPrevious", _), ("MergedWithNext", _), ("Removed", true): return known
        default: return nil
        }
    }

    private static func normalizerSteps(_ value: JSONValue?, place: String) throws(TokenizerError) -> [TextNormalizer.Step] {
        guard let value, !value.isNull else { return [] }
        guard value.kind == .object else { throw TokenizerError("\(place): expected an object or null, got \(value.described)") }
        let json = JSONPath(value, path: place)
        switch try json.string("type") {
        case "NFC": return [.nfc]
        case "NFD": return [.nfd]
        case "NFKC": return [.nfkc]
        case "NFKD": return [.nfkd]
        case "Lowercase": return [.lowercase]
        case "Prepend": return [.prepend(try json.string("prepend"))]
        case "Replace":
            let pattern = try json.object("pattern")
            if let regex = try pattern.optionalString("Regex") {
                return [.replaceMatches(try OnigurumaRegex(regex, place: pattern.place("Regex")), with: try json.string("content"))]
            }
            return [.replace(try pattern.string("String"), with: try json.string("content"))]
        case "Precompiled":
            let text = try json.string("precompiled_charsmap")
            var bytes: [UInt8] = []
            guard Array(text.utf8).withUnsafeBufferPointer({ Base64.decode($0, appendingTo: &bytes) }) else {
                throw TokenizerError("\(json.place("precompiled_charsmap")): not base64")
            }
            do { return [.precompiled(try PrecompiledCharacterMap(bytes[...]))] } catch {
                throw TokenizerError("\(json.place("precompiled_charsmap")): \(error.description)")
            }
        case "StripAccents": return [.stripAccents]
        case "Nmt": return [.nmt]
        case "BertNormalizer":
            let lowercase = try json.optionalBool("lowercase") ?? true
            var steps: [TextNormalizer.Step] = try json.optionalBool("clean_text") ?? true ? [.bertCleanText] : []
            if try json.optionalBool("handle_chinese_chars") ?? true { steps.append(.spaceAroundIdeographs) }
            if try json.optionalBool("strip_accents") ?? lowercase { steps += [.nfd, .bertStripAccents] }
            if lowercase { steps.append(.lowercase) }
            return steps
        case "Strip":
            return [.strip(left: try json.optionalBool("strip_left") ?? true, right: try json.optionalBool("strip_right") ?? true)]
        case "Sequence":
            var steps: [TextNormalizer.Step] = []
            for (index, step) in try json.array("normalizers").enumerated() {
                steps += try normalizerSteps(step, place: "\(place).normalizers[\(index)]")
            }
            return steps
        case let other:
            throw TokenizerError("\(place).type: \(quoted(other)) is not supported; hapax applies NFC, NFD, NFKC, NFKD, Lowercase, Prepend, Replace (a string or a regex), Precompiled, Strip, StripAccents, Nmt, BertNormalizer and Sequence of them")
        }
    }

    /// The contents of the added tokens, as bytes, for finding them in `model.vocab`.
    private static func addedContents(_ value: JSONValue?) -> Set<[UInt8]> {
        guard let value, value.kind == .array else { return [] }
        return Set(value.elements.compactMap { $0["content"]?.withUTF8 { Array($0) } ?? nil })
    }

    /// The added tokens with the ids Hugging Face gives them (`AddedToken.huggingFaceIds`); tokens
    /// with empty content are left out, as Hugging Face leaves them.
    static func addedTokens(_ value: JSONValue?, largestId: Int, vocabularyCount: Int,
                                    vocabularyId: (String) -> Int?) throws(TokenizerError) -> [AddedToken] {
        guard let value, !value.isNull else { return [] }
        var written: [(content: String, special: Bool, normalized: Bool, lstrip: Bool, rstrip: Bool, singleWord: Bool)] = []
        guard value.kind == .array else { throw TokenizerError("added_tokens: expected an array, got \(value.described)") }
        for (index, item) in value.elements.enumerated() {
            let place = "added_tokens[\(index)]"
            guard item.kind == .object else {
                throw TokenizerError("\(place): expected an object, got \(item.described)")
            }
            let entry = JSONPath(item, path: place)
            guard let id = item["id"]?.integer, id >= 0 else {
                throw TokenizerError("\(place).id: expected a non-negative integer, got \(item["id"]?.described ?? "nothing")")
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
        // A content listed again keeps its first place, and takes the options of its last entry
        // (Hugging Face replaces the token it keeps by id), but stays special once an entry is.
        var tokens: [AddedToken] = [], placeOfId: [UInt32: Int] = [:]
        for (token, id) in zip(written, ids) {
            let id = UInt32(id)
            let place = placeOfId[id] ?? tokens.count
            let special = token.special || (place < tokens.count && tokens[place].special)
            let added = AddedToken(content: token.content, id: id, special: special, normalized: token.normalized,
                                   lstrip: token.lstrip, rstrip: token.rstrip, singleWord: token.singleWord)
            if place < tokens.count { tokens[place] = added } else { tokens.append(added) }
            placeOfId[id] = place
        }
        return tokens
    }

}
