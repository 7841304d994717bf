/// `tokenizer.json` files whose model is `Unigram` (what `transformers` writes for T5, mT5, XLM-R and
/// ALBERT: `Precompiled` and `Strip` normalizers, `Metaspace`, `Unigram`), encoded exactly as
/// `tokenizers` encodes them (oracle: tokenizers 0.22.2). `HuggingFaceTokenizerFile` reads the
/// normalizer, pre-tokenizer and decoder and hands the model over.
///
/// The model's keys: `vocab`, an array of [piece, score] pairs, a piece's id its position;
/// `unk_id`, the unknown piece's id (null: none, and text the vocabulary cannot spell is an error in
/// `tokenizers`, refused here); `byte_fallback` (false by default). Each piece the pre-tokenizer cuts
/// is encoded by `UnigramModel` in its `huggingFace` form: every piece of the vocabulary may be
/// matched (`<s>` and `<0x41>` too), scores add in double precision, and a run of unknown characters
/// is one unknown piece or, with byte fallback, the `<0xXX>` pieces of its bytes when all exist.
enum HuggingFaceUnigramFile {
    static func tokenizer(model: JSONPath, addedTokens: JSONValue?,
                          normalizer: TextNormalizer, stages: [PreTokenizerStage], spaces: SpaceMarking, source: String) throws(TokenizerError) -> Tokenizer {
        var pieces: [(spelling: [UInt8], score: Double, kind: UnigramModel.Kind)] = []
        var ids: [String: Int] = [:]
        for (index, entry) in try model.array("vocab").enumerated() {
            let place = "\(model.place("vocab"))[\(index)]"
            let pair = Array(entry.elements)
            guard entry.kind == .array, pair.count == 2, let spelling = pair[0].string, let score = pair[1].number, score.isFinite else {
                throw TokenizerError("\(place): expected a [piece, score] pair, got \(entry.described)")
            }
            ids[spelling] = index
            pieces.append((Array(spelling.utf8), score, .normal))
        }
        guard !pieces.isEmpty else { throw TokenizerError("\(model.place("vocab")): empty") }
        guard let unknownValue = model["unk_id"], let unknown = unknownValue.integer, unknown >= 0, unknown < pieces.count else {
            throw TokenizerError("\(model.place("unk_id")): expected the id of a piece (0 to \(pieces.count - 1)); without one, tokenizers fails on text its pieces cannot spell")
        }
        let byteTokens = try model.optionalBool("byte_fallback") ?? false ? (0...255).map { byte in
            ids[SentencePieceSpelling.byteToken(UInt8(byte))].map(UInt32.init) ?? UInt32.max
        } : nil
        let unigram = UnigramModel(pieces: pieces, unknown: UInt32(unknown), byteTokens: byteTokens, fusesUnknown: true, form: .huggingFace)
        let addedCount = addedTokens.map { $0.kind == .array ? $0.count : 0 } ?? 0
        let added = try HuggingFaceTokenizerFile.addedTokens(addedTokens, largestId: largestAllowedId(entries: pieces.count + addedCount),
                                                             vocabularyCount: pieces.count) { ids[$0] }
        let surfaces = TokenSpellings(pieces.map { SentencePieceSpelling.surface($0.spelling) })
        return try Tokenizer(pieceModel: unigram, stages: stages, spaces: spaces, normalizer: normalizer, addedTokens: added,
                             surfaces: surfaces, normalizesTokenContent: true, source: "\(source) (Hugging Face Unigram)")
    }
}
