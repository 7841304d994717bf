/// SentencePiece models of type UNIGRAM (`spm_train`'s default: T5, mT5, XLM-R, ALBERT), encoded
/// exactly as `sentencepiece`'s `SentencePieceProcessor.encode(text)` encodes (oracle: sentencepiece
/// 0.2.3). `SentencePieceModelFile` reads the `ModelProto` and hands the fields over; the fields and
/// their defaults are listed there.
///
/// The normalizer is `SentencePieceNormalizer` with the model's character map
/// (`normalizer_spec.precompiled_charsmap`, empty for `identity`), its user-defined pieces kept as
/// they are; the normalized text is encoded whole by `UnigramModel`. CONTROL and UNKNOWN pieces
/// (`<s>`, `</s>`, `<unk>`) are never produced from text. Refused by name: `treat_whitespace_as_suffix`.
enum SentencePieceUnigramFile {
    struct NormalizerSpec {
        var characterMap: ArraySlice<UInt8>
        var addsDummyPrefix: Bool
        var removesExtraSpaces: Bool
        var escapesSpaces: Bool
    }

    static func tokenizer(pieces: [SentencePieceModelFile.Piece], byteFallback: Bool, suffixSpace: Bool,
                          ends: (end: String, beginning: String), normalizer spec: NormalizerSpec,
                          source: String) throws(TokenizerError) -> Tokenizer {
        guard !suffixSpace else { throw TokenizerError("trainer_spec.treat_whitespace_as_suffix: true is not supported") }
        let (reserved, unknown, fallback) = try SentencePieceModelFile.indexed(pieces, byteFallback: byteFallback)
        var map: PrecompiledCharacterMap?
        if !spec.characterMap.isEmpty {
            do { map = try PrecompiledCharacterMap(spec.characterMap) } catch { throw TokenizerError("normalizer_spec.precompiled_charsmap: \(error.description)") }
        }
        let normalizer = SentencePieceNormalizer(map: map, kept: pieces.filter { $0.type == .userDefined }.map(\.spelling),
                                                 addsDummyPrefix: spec.addsDummyPrefix, removesExtraSpaces: spec.removesExtraSpaces,
                                                 escapesSpaces: spec.escapesSpaces)
        let model = UnigramModel(pieces: pieces.map { piece in
            let kind: UnigramModel.Kind = switch piece.type {
            case .normal: .normal
            case .userDefined: .userDefined
            default: .never
            }
            return (Array(piece.spelling.utf8), Double(piece.score), kind)
        }, unknown: UInt32(unknown), byteTokens: fallback, fusesUnknown: true, form: .sentencePiece)
        let added = pieces.enumerated().compactMap { id, piece -> AddedToken? in
            guard piece.type == .control || piece.type == .unknown else { return nil }
            return AddedToken(content: piece.spelling, id: UInt32(id), special: true, normalized: false, lstrip: false, rstrip: false, singleWord: false)
        }
        return try Tokenizer(pieceModel: model, normalizer: TextNormalizer([.sentencePiece(normalizer)]), addedTokens: added,
                             surfaces: SentencePieceModelFile.surfaces(of: pieces), normalizesTokenContent: false,
                             ends: SentencePieceModelFile.ends(ends, pieces, reserved),
                             source: "\(source) (SentencePiece Unigram)")
    }
}
