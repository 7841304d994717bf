/// `tokenizers`' WordPiece and WordLevel models (models/wordpiece, models/wordlevel; oracle:
/// tokenizers 0.22.2).
///
/// WordPiece: a piece of more than `max_input_chars_per_word` characters is the unknown token;
/// else, from its start, the longest prefix in the vocabulary is taken (after the first, looked up
/// with `continuing_subword_prefix` before it, `##`), shortening a character at a time, and the
/// rest read the same way; if some rest has no prefix in the vocabulary, the whole piece is the
/// unknown token. WordLevel: the piece's id, or the unknown token's.
struct WordPieceModel: PieceModel {
    enum Kind { case wordPiece(prefix: [UInt8], maxCharacters: Int), wordLevel }

    let kind: Kind
    let vocabulary: ByteStringTable
    let unknown: UInt32

    var name: String {
        if case .wordLevel = kind { return "WordLevel" }
        return "WordPiece"
    }

    var description: String {
        switch kind {
        case .wordPiece(let prefix, let maxCharacters):
            "WordPiece (longest prefix first, continuing pieces after \(quoted(String(decoding: prefix, as: UTF8.self)))); "
                + "a piece with a part outside the vocabulary or of more than \(maxCharacters) characters becomes the unknown token \(unknown)"
        case .wordLevel: "WordLevel; a piece outside the vocabulary becomes the unknown token \(unknown)"
        }
    }

    func encode(_ piece: UnsafeBufferPointer<UInt8>, into output: inout [UInt32]) {
        guard case .wordPiece(let prefix, let maxCharacters) = kind else {
            return output.append(vocabulary.id(of: piece) ?? unknown)
        }
        guard piece.lazy.filter({ $0 & 0xC0 != 0x80 }).count <= maxCharacters else { return output.append(unknown) }
        let mark = output.count
        // The keys are read from one buffer, the prefix's room then the piece: a continuing part
        // from `start` is looked up with the prefix written just before it, over bytes already read.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: prefix.count + piece.count) { buffer in
            _ = UnsafeMutableBufferPointer(rebasing: buffer[..<prefix.count]).initialize(fromContentsOf: prefix)
            _ = UnsafeMutableBufferPointer(rebasing: buffer[prefix.count...]).initialize(fromContentsOf: piece)
            let keys = UnsafeBufferPointer(buffer)
            var start = 0
            while start < piece.count {
                if start > 0 { _ = UnsafeMutableBufferPointer(rebasing: buffer[start..<start + prefix.count]).update(fromContentsOf: prefix) }
                let keyStart = start > 0 ? start : prefix.count
                var end = piece.count
                var found: UInt32?
                while start < end {
                    if let id = vocabulary.id(of: UnsafeBufferPointer(rebasing: keys[keyStart..<prefix.count + end])) {
                        found = id
                        break
                    }
                    end -= 1
                    while end > start && piece[end] & 0xC0 == 0x80 { end -= 1 }
                }
                guard let found else {
                    output.removeSubrange(mark...)
                    return output.append(unknown)
                }
                output.append(found)
                start = end
            }
        }
    }
}

/// `tokenizer.json` files whose model is `WordPiece` (BERT's) or `WordLevel`. The keys: `vocab`, an
/// object from token to id; `unk_token`, which must be in it (`tokenizers` fails on text outside the
/// vocabulary otherwise); WordPiece's `continuing_subword_prefix` ("##") and
/// `max_input_chars_per_word` (100).
enum HuggingFaceWordPieceFile {
    static func tokenizer(model: JSONPath, type: String, addedTokens: JSONValue?, normalizer: TextNormalizer, stages: [PreTokenizerStage],
                          spaces: SpaceMarking, source: String) throws(TokenizerError) -> Tokenizer {
        var vocabulary: [[UInt8]: UInt32] = [:]
        var spellings: [Int: [UInt8]] = [:]
        let vocab = try model.object("vocab")
        let addedCount = addedTokens.map { $0.kind == .array ? $0.count : 0 } ?? 0
        let largest = largestAllowedId(entries: vocab.value.count + addedCount)
        for (name, value) in vocab.value.members {
            let spelling = name.string ?? ""
            guard let id = value.integer, id >= 0, id <= largest else {
                throw TokenizerError("\(vocab.place(spelling)): expected an id from 0 to \(largest), got \(value.described)")
            }
            vocabulary[Array(spelling.utf8)] = UInt32(id)
            spellings[id] = Array(spelling.utf8)
        }
        let unknownSpelling = try model.string("unk_token")
        guard let unknown = vocabulary[Array(unknownSpelling.utf8)] else {
            throw TokenizerError("\(model.place("unk_token")): \(quoted(unknownSpelling)) is not in model.vocab")
        }
        let kind: WordPieceModel.Kind
        var prefix: [UInt8] = []
        if type == "WordPiece" {
            prefix = Array((try model.optionalString("continuing_subword_prefix") ?? "##").utf8)
            let maxCharacters = model["max_input_chars_per_word"].map { $0.isNull ? 100 : ($0.integer ?? -1) } ?? 100
            guard maxCharacters >= 0 else { throw TokenizerError("\(model.place("max_input_chars_per_word")): expected a count of characters") }
            kind = .wordPiece(prefix: prefix, maxCharacters: maxCharacters)
        } else {
            kind = .wordLevel
        }
        let added = try HuggingFaceTokenizerFile.addedTokens(addedTokens, largestId: largest, vocabularyCount: vocab.value.count) {
            vocabulary[Array($0.utf8)].map(Int.init)
        }
        // The text a token stands for: a continuing piece without its prefix, `▁` as the space.
        let count = (spellings.keys.max() ?? -1) + 1
        let surfaces = TokenSpellings((0..<count).map { id -> [UInt8]? in
            guard var spelling = spellings[id] else { return nil }
            if !prefix.isEmpty && spelling.starts(with: prefix) && spelling.count > prefix.count { spelling.removeFirst(prefix.count) }
            return SentencePieceSpelling.surface(spelling)
        })
        let table = ByteStringTable(vocabulary.map { (key: $0.key, id: $0.value) })
        return try Tokenizer(pieceModel: WordPieceModel(kind: kind, vocabulary: table, unknown: unknown), stages: stages, spaces: spaces,
                             normalizer: normalizer, addedTokens: added, surfaces: surfaces, normalizesTokenContent: true,
                             source: "\(source) (Hugging Face \(type))")
    }
}
