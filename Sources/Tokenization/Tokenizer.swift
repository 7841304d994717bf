import Foundation
import Synchronization
import WorkerPool

/// A BPE tokenizer, run as Hugging Face runs one: added tokens are cut out of the text, the rest is
/// normalized (normalized added tokens are cut out of that), each remaining stretch gets its spaces
/// marked (ByteLevel's prefix space, Metaspace's `▁`), is cut into pieces by the pre-tokenizer
/// patterns in turn, and each piece is encoded by BPE. Special tokens are never produced from text: a
/// special-token string inside it is encoded like any other characters (Hugging Face's
/// `encode_special_tokens`). SentencePiece models run through the same stages: their normalizer is a
/// `TextNormalizer`, their user-defined pieces are normalized added tokens, and there is no pattern.
public final class Tokenizer: Sendable {
    public let normalizer: TextNormalizer
    /// The pre-tokenizers that cut the text, each cutting the pieces of the one before; none: each
    /// stretch between added tokens is one piece.
    let stages: [PreTokenizerStage]
    /// The stages that are patterns with a scanner.
    public var splits: [PreTokenizer] { stages.compactMap(\.scanner) }
    /// What the pre-tokenizer does to spaces before cutting (ByteLevel's `add_prefix_space`, Metaspace).
    public let spaces: SpaceMarking
    /// Special tokens and added tokens, as the file lists them.
    public let addedTokens: [AddedToken]
    /// Special tokens by their content, such as `<|endoftext|>`.
    public let specialTokens: [String: UInt32]
    /// The token that ends every document.
    public let endOfText: UInt32?
    /// The token that begins a sequence (`<s>`, `<bos>`), which `shard --bos` puts before each document.
    public let beginningOfText: UInt32?
    /// One more than the largest id, added tokens included.
    public let vocabularySize: Int
    /// Where the tokenizer came from, for messages.
    public let source: String
    /// Told apart from every other tokenizer of the process, for the per-thread `MergeCache`.
    private let serialNumber = Tokenizer.nextSerialNumber.add(1, ordering: .relaxed).oldValue + 1
    private static let nextSerialNumber = Atomic<UInt64>(0)
    let model: BytePairModel
    /// Encodes each piece instead of `model` when set (Unigram, WordPiece, WordLevel; `model` is then empty).
    let pieceModel: (any PieceModel)?
    /// The bytes each id stands for in text; empty for special and unused ids.
    private let surfaces: TokenSpellings
    private let specialContent: [UInt32: String]
    private let textTokens: AddedTokenMatcher
    private let normalizedTextTokens: AddedTokenMatcher
    /// Whether a Metaspace marks only the piece that starts the text (`prepend_scheme` first).
    private let marksFirstPiece: Bool

    /// The contents that end documents, in the order they are looked for among the special tokens
    /// (then among the other added tokens: files older than the `special` flag leave it out).
    public static let endOfTextContents = ["<|endoftext|>", "<|end_of_text|>", "</s>", "<eos>", "<｜end▁of▁sentence｜>"]
    /// Likewise for the token that begins a sequence.
    public static let beginningOfTextContents = ["<|begin_of_text|>", "<s>", "<bos>", "<｜begin▁of▁sentence｜>"]

    /// `surfaces` gives the bytes each id stands for when the model's spellings are not those bytes
    /// (SentencePiece spells the space `▁` and a byte `<0xXX>`). `normalizesTokenContent`: a normalized
    /// added token is looked for as its content normalized (Hugging Face), or as it is (SentencePiece,
    /// whose user-defined pieces stand in the normalized text as written). `ends` names the end and
    /// beginning tokens where the file says which they are. `stages`, where given, stands for `splits`.
    init(splits: [PreTokenizer], stages: [PreTokenizerStage]? = nil, spaces: SpaceMarking = .none, normalizer: TextNormalizer = TextNormalizer([]),
         model: BytePairModel, addedTokens: [AddedToken], surfaces: TokenSpellings? = nil, normalizesTokenContent: Bool = true,
         ends: (end: UInt32?, beginning: UInt32?)? = nil, pieceModel: (any PieceModel)? = nil, source: String) {
        self.stages = stages ?? splits.map { .scanner($0) }
        self.marksFirstPiece = spaces.scheme == .first || self.stages.contains { stage in
            if case .marking(let marking) = stage { return marking.scheme == .first }
            return false
        }
        self.pieceModel = pieceModel
        self.spaces = spaces
        self.normalizer = normalizer
        self.model = model
        self.addedTokens = addedTokens
        let specials = addedTokens.filter(\.special)
        self.specialTokens = Dictionary(specials.map { ($0.content, $0.id) }, uniquingKeysWith: { first, _ in first })
        func named(_ contents: [String]) -> UInt32? {
            [specials, addedTokens].lazy.flatMap { tokens in
                contents.lazy.compactMap { content in tokens.first { $0.content == content }?.id }
            }.first
        }
        self.endOfText = ends.map(\.end) ?? named(Self.endOfTextContents)
        self.beginningOfText = ends.map(\.beginning) ?? named(Self.beginningOfTextContents)
        self.vocabularySize = max(surfaces?.count ?? model.spellings.count, (addedTokens.map(\.id).max().map { Int($0) + 1 }) ?? 0)
        self.source = source
        var table = surfaces ?? model.spellings
        // The first listing of an id wins, as it did when the table was written in reverse order.
        var replacements: [Int: [UInt8]] = [:]
        for token in addedTokens where replacements[Int(token.id)] == nil {
            replacements[Int(token.id)] = token.special ? [] : Array(token.content.utf8)
        }
        // Ids past the table spell nothing until an added token spells text there: padding copies
        // the model's spellings, megabytes, where nothing else would (a rank file's specials).
        replacements = replacements.filter { $0.key < table.count || !$0.value.isEmpty }
        if let last = replacements.keys.max(), last >= table.count { table.pad(to: last + 1) }
        self.surfaces = table.replacing(replacements)
        self.specialContent = Dictionary(specials.map { ($0.id, $0.content) }, uniquingKeysWith: { first, _ in first })
        let matched = addedTokens.filter { !$0.special }
        textTokens = AddedTokenMatcher(matched.filter { !$0.normalized }) { $0.content }
        normalizedTextTokens = AddedTokenMatcher(matched.filter(\.normalized)) { normalizesTokenContent ? normalizer.normalize($0.content) : $0.content }
        // Build the character-class table now, so that it counts as loading rather than encoding.
        _ = CharacterClass.basicPlane
    }

    /// The pre-tokenization patterns' names joined by "+", or "none", as shard manifests record them.
    public var patternName: String { stages.isEmpty ? "none" : stages.map(\.description).joined(separator: "+") }

    /// Loads a tokenizer file, told apart by its content: JSON (a Hugging Face `tokenizer.json`, or a
    /// Tekken file by its `config` and `vocab`), a SentencePiece model (binary: a byte outside printable
    /// text early on), or else a tiktoken rank file. `pattern` overrides the pre-tokenizer a rank
    /// file's name implies; the other files fix their own.
    public static func load(path: String, pattern: PreTokenizer? = nil) throws(TokenizerError) -> Tokenizer {
        try load(path: path, pattern: pattern, cache: .standard)
    }

    /// `cache` keeps the vocabularies of large tokenizer.json files between processes.
    static func load(path: String, pattern: PreTokenizer?, cache: TokenizerCache?) throws(TokenizerError) -> Tokenizer {
        // The character-class table takes a few milliseconds to build and every tokenizer needs it:
        // it is built on another core while this one reads the file.
        DispatchQueue.global().async { _ = CharacterClass.basicPlane }
        let tokenizer: Tokenizer
        switch TokenizerFileKind(path: path) {
        case .json:
            tokenizer = try loadJSON(path: path, cache: cache)
        case .sentencePiece:
            tokenizer = try SentencePieceModelFile.load(path: path)
        case .rankFile:
            return try TiktokenFile.load(path: path, pattern: pattern)
        }
        if let pattern, tokenizer.stages != [.scanner(pattern)] {
            throw TokenizerError("\(path): the file fixes its own pre-tokenizer (\(tokenizer.patternName)); drop the pattern option")
        }
        return tokenizer
    }

    private static func loadJSON(path: String, cache: TokenizerCache?) throws(TokenizerError) -> Tokenizer {
        // Looking for an entry hashes the file where it lies, unless no file of its size was kept.
        // On a miss, the bytes read are hashed on another thread while they are parsed, and the
        // entry is written under that digest (a file that changes in between is never kept under
        // another content's name) on another thread while the model is built; it is put in place
        // once the file has loaded. An entry that no longer parses (hapax now refuses what it once
        // took) falls back to the file, whose errors name its lines.
        let mapped = FileContents.mapped(path)
        if let cache, let key = mapped?.withBytes({ bytes in
               bytes.count >= cache.smallestFile && cache.mayHold(size: bytes.count) ? TokenizerCache.Key(bytes) : nil }) ?? nil,
           let entry = cache.entry(for: key),
           let tokenizer = try? HuggingFaceTokenizerFile.parse(HuggingFaceTokenizerFile.root(FileContents(entry.rest)), source: path,
                                                               vocabulary: entry.vocabulary) {
            return tokenizer
        }
        // A file the cache may keep is read into this process's memory, so that the digest naming its
        // entry and the vocabulary the entry holds come from the same bytes, however the file changes
        // meanwhile; any other is parsed where it is mapped.
        let contents: FileContents
        if let mapped, cache.map({ mapped.count < $0.smallestFile }) ?? true {
            contents = mapped
        } else {
            contents = FileContents(try fileBytes(path))
        }
        // One thread for it: the parse has the other core.
        let key = cache.flatMap { contents.count >= $0.smallestFile ? BackgroundValue { contents.withBytes { TokenizerCache.Key($0, threads: 1) } } : nil }
        var writing: BackgroundValue<TokenizerCache.Written?>?
        do {
            let root = try HuggingFaceTokenizerFile.root(contents)
            if TekkenFile.describes(root) { return try TekkenFile.parse(root, source: path) }
            let tokenizer = try HuggingFaceTokenizerFile.parse(root, source: path) { vocabulary in
                guard let cache, let key else { return }
                writing = BackgroundValue {
                    cache.write(TokenizerCache.Entry(rest: HuggingFaceTokenizerFile.withoutVocabulary(root), vocabulary: vocabulary), for: key.value)
                }
            }
            if let cache, let written = writing?.value { cache.finish(written, keeping: true) }
            return tokenizer
        } catch {
            if let cache, let written = writing?.value { cache.finish(written, keeping: false) }
            throw error.located(in: path)
        }
    }

    public func encode(_ text: String) -> [UInt32] {
        var output: [UInt32] = []
        output.reserveCapacity(text.utf8.count / 3)
        encode(text, into: &output)
        return output
    }

    /// Appends the tokens of `text` to `output`.
    public func encode(_ text: String, into output: inout [UInt32]) {
        var scratch = BytePairModel.Scratch(cache: MergeCache.forCurrentThread(owner: serialNumber))
        // Read once: calling the stored property's methods copied the whole model to the stack for
        // every piece.
        let model = self.model
        forEachPiece(of: text) { piece in
            switch piece {
            case .added(let id): output.append(id)
            case .text(let bytes):
                if let pieceModel { pieceModel.encode(bytes, into: &output) } else { model.encode(bytes, into: &output, &scratch) }
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
                    forEachPiece(ofNormalized: stretch, atTextStart: range.lowerBound == 0, body)
                } else {
                    let written = String(decoding: stretch, as: UTF8.self)
                    // Metaspace's `first` marks the piece whose first character is the text's first as
                    // written (its original offset is 0): none is when the normalizer dropped that
                    // character (Strip, Nmt).
                    var (normalized, dropsStart) = marksFirstPiece && range.lowerBound == 0
                        ? normalizer.normalizeTrackingStart(written) : (normalizer.normalize(written), false)
                    normalized.withUTF8 { forEachPiece(ofNormalized: $0, atTextStart: range.lowerBound == 0 && !dropsStart, body) }
                }
            }
        }
    }

    private func forEachPiece(ofNormalized bytes: UnsafeBufferPointer<UInt8>, atTextStart: Bool, _ body: (Piece) -> Void) {
        normalizedTextTokens.forEachPiece(of: bytes) { range, id in
            if let id { return body(.added(id)) }
            guard !range.isEmpty else { return }
            let stretch = UnsafeBufferPointer(rebasing: bytes[range])
            let atStart = atTextStart && range.lowerBound == 0
            if spaces.changes(stretch, atTextStart: atStart) {
                let marked = spaces.marked(stretch, atTextStart: atStart)
                marked.withUnsafeBufferPointer { split($0, stage: 0, atTextStart: atStart, body) }
            } else {
                split(stretch, stage: 0, atTextStart: atStart, body)
            }
        }
    }

    /// Cuts `bytes` with `stages[stage]`, and each piece with the stages after it; a `marking` stage
    /// marks the spaces of each piece (the piece that starts the text, `atTextStart`, may differ).
    ///
    /// The last pattern hands each piece on one piece late, once the model has been asked to start
    /// reading the next one's table slot: a vocabulary's table is larger than a core's cache, and the
    /// lookup of a whole piece had waited on memory for a third of `tokenize`'s time. (Eight pieces
    /// late measured the same.)
    private func split(_ bytes: UnsafeBufferPointer<UInt8>, stage: Int, atTextStart: Bool, _ body: (Piece) -> Void) {
        guard stage < stages.count else { return body(.text(bytes)) }
        if case .marking(let marking) = stages[stage], marking.changes(bytes, atTextStart: atTextStart) {
            return marking.marked(bytes, atTextStart: atTextStart).withUnsafeBufferPointer {
                split($0, stage: stage + 1, atTextStart: atTextStart, body)
            }
        }
        guard stage == stages.count - 1 else {
            return stages[stage].forEachPiece(of: bytes) { range in
                split(UnsafeBufferPointer(rebasing: bytes[range]), stage: stage + 1, atTextStart: atTextStart && range.lowerBound == 0, body)
            }
        }
        var previous: UnsafeBufferPointer<UInt8>?
        stages[stage].forEachPiece(of: bytes) { range in
            let piece = UnsafeBufferPointer(rebasing: bytes[range])
            model.prefetch(piece)
            if let previous { body(.text(previous)) }
            previous = piece
        }
        if let previous { body(.text(previous)) }
    }

    /// The ids that stand for text: all but special tokens and unused ids.
    public var ordinaryIds: [UInt32] {
        let special = Set(specialTokens.values)
        return (0..<UInt32(vocabularySize)).filter { id in
            !special.contains(id) && Int(id) < surfaces.count && !surfaces.isEmpty(Int(id))
        }
    }

    /// The bytes the tokens stand for; special tokens give their content.
    public func decodeBytes(_ ids: [UInt32]) -> [UInt8] {
        var bytes: [UInt8] = []
        for id in ids {
            if let content = specialContent[id] {
                bytes += content.utf8
            } else if Int(id) < surfaces.count {
                bytes += surfaces[Int(id)]
            }
        }
        return bytes
    }

    /// The text the tokens stand for; bytes that are not valid UTF-8 become U+FFFD.
    public func decode(_ ids: [UInt32]) -> String {
        String(decoding: decodeBytes(ids), as: UTF8.self)
    }

}
