/// A model that encodes each piece the pre-tokenizer cuts by itself, other than BPE: Unigram,
/// WordPiece, WordLevel. `Tokenizer` runs its normalizer, pre-tokenizer and added tokens as for BPE,
/// and hands each piece here.
protocol PieceModel: Sendable {
    /// The model's name in a tokenizer.json (`Unigram`), for messages.
    var name: String { get }
    /// What it does, for `--explain`.
    var description: String { get }
    func encode(_ piece: UnsafeBufferPointer<UInt8>, into output: inout [UInt32])
}

extension Tokenizer {
    /// A tokenizer whose pieces `pieceModel` encodes; the BPE model it carries is empty.
    convenience init(pieceModel: any PieceModel, stages: [PreTokenizerStage] = [], spaces: SpaceMarking = .none, normalizer: TextNormalizer,
                     addedTokens: [AddedToken], surfaces: TokenSpellings, normalizesTokenContent: Bool,
                     ends: (end: UInt32?, beginning: UInt32?)? = nil, source: String) throws(TokenizerError) {
        let empty = try BytePairModel(tokens: TokenSpellings(), merges: .listed(MergeTable([])), shortcut: .anyToken,
                                      alphabet: .characters(byteTokens: nil, unknown: 0, fusesUnknown: true))
        self.init(splits: [], stages: stages, spaces: spaces, normalizer: normalizer, model: empty, addedTokens: addedTokens, surfaces: surfaces,
                  normalizesTokenContent: normalizesTokenContent, ends: ends, pieceModel: pieceModel, source: source)
    }
}
