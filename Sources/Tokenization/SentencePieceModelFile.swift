import Foundation

/// Loading SentencePiece models (`tokenizer.model`; Llama 1 and 2, Mistral 7B, Gemma), encoded exactly
/// as `sentencepiece`'s `SentencePieceProcessor.encode(text)` encodes (oracle: sentencepiece 0.2.3).
///
/// The file is a `ModelProto` message (sentencepiece_model.proto, proto2) in Protocol Buffers' wire
/// format. The fields read, with their defaults when absent:
///
/// - `pieces` (1, repeated): `piece` (1, string), `score` (2, float), `type` (3: NORMAL 1 by default,
///   UNKNOWN 2, CONTROL 3, USER_DEFINED 4, UNUSED 5, BYTE 6). A piece's id is its position.
/// - `trainer_spec` (2): `model_type` (3: UNIGRAM 1 by default, BPE 2), `treat_whitespace_as_suffix`
///   (24, false), `byte_fallback` (35, false), `bos_piece` (46, "<s>"), `eos_piece` (47, "</s>").
/// - `normalizer_spec` (3): `name` (1), `precompiled_charsmap` (2), `add_dummy_prefix` (3, true),
///   `remove_extra_whitespaces` (4, true), `escape_whitespaces` (5, true).
///
/// Pieces are compared as bytes, as sentencepiece's maps compare them (`é` and `e` + U+0301 are two).
///
/// Encoding BPE (bpe_model.cc): the normalizer (the `identity` rule only: no character map) drops
/// extra spaces if asked, copying user-defined symbols whole (spaces and all) where they start, puts
/// a space before non-empty text (`add_dummy_prefix`) and writes spaces as `▁`. The text is then
/// split into characters, a user-defined piece matched longest-first staying whole and never merging;
/// the adjacent pair whose concatenation is a piece (NORMAL, USER_DEFINED or UNUSED, though only
/// NORMAL ones can form) of the highest score merges first, the leftmost of equal scores. A symbol
/// that is no piece becomes `<0xXX>` pieces, one per byte, with `byte_fallback`, else the UNKNOWN
/// piece, once for a run of such symbols; so does a one-character UNUSED piece. CONTROL pieces
/// (`<s>`, `</s>`) are never produced from text. So merging is hapax's BPE over characters, with the
/// score's rank as priority: every split of a piece into two pieces merges into it.
///
/// UNIGRAM models go to `SentencePieceUnigramFile`. Refused by name rather than encoded differently: the
/// WORD and CHAR model types, a BPE normalizer
/// with a character map (`nmt_nfkc` and the like), `treat_whitespace_as_suffix`, UNUSED pieces of
/// more than one character (which sentencepiece re-splits by a rule of its own), and pieces merging
/// from a character that is no piece, or an UNUSED one (sentencepiece's trainer never writes one).
enum SentencePieceModelFile {
    enum PieceType: UInt64 {
        case normal = 1, unknown, control, userDefined, unused, byte

        /// sentencepiece keeps two maps: the pieces merging may form (these), and the rest.
        var isMergeable: Bool { self == .normal || self == .userDefined || self == .unused }
    }

    struct Piece {
        var spelling = ""
        var score: Float = 0
        var type = PieceType.normal
    }

    static func load(path: String) throws(TokenizerError) -> Tokenizer {
        let contents = try fileBytes(path)
        do { return try parse(contents, source: path) } catch { throw error.located(in: path) }
    }

    static func parse(_ contents: [UInt8], source: String) throws(TokenizerError) -> Tokenizer {
        var pieces: [Piece] = []
        var modelType: UInt64 = 1, byteFallback = false, suffixSpace = false
        var beginning = "<s>", end = "</s>"
        var normalizerName = "", characterMap: ArraySlice<UInt8> = []
        var addsDummyPrefix = true, removesExtraSpaces = true, escapesSpaces = true
        let model = ProtobufMessage(bytes: contents[...], place: "")
        try model.forEachField { number, value throws(TokenizerError) in
            switch number {
            case 1: pieces.append(try piece(model.message(value, field: "pieces[\(pieces.count)]")))
            case 2:
                let spec = try model.message(value, field: "trainer_spec")
                try spec.forEachField { number, value throws(TokenizerError) in
                    switch number {
                    case 3: modelType = try spec.integer(value, field: "model_type")
                    case 24: suffixSpace = try spec.integer(value, field: "treat_whitespace_as_suffix") != 0
                    case 35: byteFallback = try spec.integer(value, field: "byte_fallback") != 0
                    case 46: beginning = try spec.string(value, field: "bos_piece")
                    case 47: end = try spec.string(value, field: "eos_piece")
                    default: break
                    }
                }
            case 3:
                let spec = try model.message(value, field: "normalizer_spec")
                try spec.forEachField { number, value throws(TokenizerError) in
                    switch number {
                    case 1: normalizerName = try spec.string(value, field: "name")
                    case 2:
                        guard case .bytes(let map) = value else { throw spec.error("precompiled_charsmap: expected bytes (wire type 2)") }
                        characterMap = map
                    case 3: addsDummyPrefix = try spec.integer(value, field: "add_dummy_prefix") != 0
                    case 4: removesExtraSpaces = try spec.integer(value, field: "remove_extra_whitespaces") != 0
                    case 5: escapesSpaces = try spec.integer(value, field: "escape_whitespaces") != 0
                    default: break
                    }
                }
            default: break
            }
        }
        guard !pieces.isEmpty else { throw TokenizerError("not a SentencePiece model: it has no pieces (field 1 of ModelProto)") }
        if modelType == 1 {
            return try SentencePieceUnigramFile.tokenizer(
                pieces: pieces, byteFallback: byteFallback, suffixSpace: suffixSpace, ends: (end, beginning),
                normalizer: .init(characterMap: characterMap, addsDummyPrefix: addsDummyPrefix, removesExtraSpaces: removesExtraSpaces, escapesSpaces: escapesSpaces),
                source: source)
        }
        guard modelType == 2 else {
            let name = [1: "UNIGRAM", 3: "WORD", 4: "CHAR"][modelType].map { " (\($0))" } ?? ""
            throw TokenizerError("trainer_spec.model_type: \(modelType)\(name) is not supported; hapax encodes BPE (2) models exactly")
        }
        guard !suffixSpace else { throw TokenizerError("trainer_spec.treat_whitespace_as_suffix: true is not supported") }
        guard normalizerName == "identity", characterMap.isEmpty else {
            throw TokenizerError("normalizer_spec.name: \(quoted(normalizerName)) is not supported; hapax applies the identity rule (no character map), as Llama, Mistral and Gemma do")
        }
        // A user-defined piece without a space comes out the same copied whole or character by character.
        let userDefined = pieces.filter { $0.type == .userDefined && $0.spelling.utf8.contains(UInt8(ascii: " ")) }.map(\.spelling)
        var steps: [TextNormalizer.Step] = removesExtraSpaces ? [.collapseSpaces(keeping: userDefined)] : []
        if addsDummyPrefix { steps.append(.prepend(" ")) }
        if escapesSpaces { steps.append(.replace(" ", with: SentencePieceSpelling.space)) }
        if escapesSpaces && removesExtraSpaces { steps.append(.stripTrailing(SentencePieceSpelling.space)) }
        return try tokenizer(pieces: pieces, byteFallback: byteFallback, ends: (end, beginning),
                             normalizer: TextNormalizer(steps), source: source)
    }

    private static func piece(_ message: ProtobufMessage) throws(TokenizerError) -> Piece {
        var piece = Piece()
        try message.forEachField { number, value throws(TokenizerError) in
            switch number {
            case 1: piece.spelling = try message.string(value, field: "piece")
            case 2: piece.score = try message.float(value, field: "score")
            case 3:
                let code = try message.integer(value, field: "type")
                guard let type = PieceType(rawValue: code) else { throw message.error("type: \(code) is not a piece type (1 to 6)") }
                piece.type = type
            default: break
            }
        }
        guard !piece.spelling.isEmpty else { throw message.error("piece: empty") }
        guard piece.score.isFinite else { throw message.error("score: \(piece.score) is not a finite number") }
        return piece
    }

    /// The checks every model type makes of its pieces, by bytes as sentencepiece's maps key them
    /// (`é` and `e` + U+0301 are two pieces): no spelling twice among the pieces text can form
    /// (NORMAL, USER_DEFINED, UNUSED) nor among the others; one UNKNOWN piece; BYTE pieces spelled
    /// `<0xXX>`, only with byte fallback, and then all 256. Returns the ids of the reserved pieces by
    /// spelling, the UNKNOWN piece's, and the BYTE pieces' in byte order (nil without byte fallback).
    static func indexed(_ pieces: [Piece], byteFallback: Bool) throws(TokenizerError)
        -> (reserved: [[UInt8]: Int], unknown: Int, byteIds: [UInt32]?) {
        var reserved: [[UInt8]: Int] = [:]
        var unknown: Int?
        var byteIds = [UInt32?](repeating: nil, count: 256)
        // Pieces text can form, checked for repeats in one table of their bytes: a Set of arrays had
        // cost a tenth of loading. The first repeat in id order is named, as a walk would name it.
        var formable = TokenSpellings()
        for piece in pieces { formable.append(piece.type.isMergeable ? piece.spelling.utf8 : "".utf8) }
        let repeated = ByteStringTable.indexing(formable).duplicates.map { Int($0.other) }.min()
        for (id, piece) in pieces.enumerated() {
            // Written only for a message: quoting every piece had cost a tenth of loading.
            var place: String { "pieces[\(id)] (\(quoted(piece.spelling)))" }
            guard id != repeated else { throw TokenizerError("\(place): the piece is listed twice") }
            if piece.type.isMergeable { continue }
            let spelling = Array(piece.spelling.utf8)
            guard reserved.updateValue(id, forKey: spelling) == nil else { throw TokenizerError("\(place): the piece is listed twice") }
            switch piece.type {
            case .unknown:
                guard unknown == nil else { throw TokenizerError("\(place): a second UNKNOWN piece") }
                unknown = id
            case .byte:
                guard byteFallback else { throw TokenizerError("\(place): a BYTE piece in a model without trainer_spec.byte_fallback") }
                guard let byte = SentencePieceSpelling.byte(ofToken: spelling) else {
                    throw TokenizerError("\(place): a BYTE piece must be spelled <0xXX>")
                }
                byteIds[Int(byte)] = UInt32(id)
            default: break
            }
        }
        guard let unknown else { throw TokenizerError("pieces: no UNKNOWN piece, which sentencepiece requires") }
        guard byteFallback else { return (reserved, unknown, nil) }
        if let missing = byteIds.firstIndex(where: { $0 == nil }) {
            throw TokenizerError("pieces: trainer_spec.byte_fallback needs the 256 BYTE pieces, and \(SentencePieceSpelling.byteToken(UInt8(missing))) is missing")
        }
        return (reserved, unknown, byteIds.map { $0! })
    }

    /// What each piece stands for in text: nothing for CONTROL and UNKNOWN, its byte for BYTE, else
    /// its spelling with `▁` as the space.
    static func surfaces(of pieces: [Piece]) -> TokenSpellings {
        // Into one arena: an array a piece had cost a tenth of loading.
        var surfaces = TokenSpellings()
        for piece in pieces {
            _ = surfaces.append { arena in
                switch piece.type {
                case .control, .unknown: break
                case .byte: arena.append(SentencePieceSpelling.byte(ofToken: Array(piece.spelling.utf8))!)
                default:
                    let utf8 = piece.spelling.utf8
                    let copied: Void? = utf8.first == UInt8(ascii: "<") ? nil : utf8.withContiguousStorageIfAvailable { bytes in
                        var i = 0
                        while i < bytes.count {
                            if bytes[i] == 0xE2 && i + 2 < bytes.count && bytes[i + 1] == 0x96 && bytes[i + 2] == 0x81 {
                                arena.append(UInt8(ascii: " "))
                                i += 3
                            } else {
                                arena.append(bytes[i])
                                i += 1
                            }
                        }
                    }
                    // A `<0xXX>` spelling stands for its byte, as `surface` says.
                    if copied == nil { arena += SentencePieceSpelling.surface(Array(utf8)) }
                }
                return true
            }
        }
        return surfaces
    }

    /// The ids of the end and beginning pieces the model names, where they are CONTROL pieces.
    static func ends(_ names: (end: String, beginning: String), _ pieces: [Piece], _ reserved: [[UInt8]: Int])
        -> (end: UInt32?, beginning: UInt32?) {
        func control(_ spelling: String) -> UInt32? {
            reserved[Array(spelling.utf8)].flatMap { pieces[$0].type == .control ? UInt32($0) : nil }
        }
        return (control(names.end), control(names.beginning))
    }

    private static func tokenizer(pieces: [Piece], byteFallback: Bool, ends: (end: String, beginning: String),
                                  normalizer: TextNormalizer, source: String) throws(TokenizerError) -> Tokenizer {
        let (reserved, unknown, fallback) = try indexed(pieces, byteFallback: byteFallback)
        if let id = pieces.firstIndex(where: { $0.type == .unused && $0.spelling.unicodeScalars.count > 1 }) {
            throw TokenizerError("pieces[\(id)] (\(quoted(pieces[id].spelling))): UNUSED pieces of more than one character are not supported")
        }
        // sentencepiece emits an UNUSED piece as unknown (its bytes with byte fallback): hapax leaves
        // the single-character ones out of the vocabulary, so that their character falls back.
        func formable(_ piece: Piece) -> Bool { piece.type.isMergeable && piece.type != .unused }

        let spellings = TokenSpellings(pieces.map { formable($0) ? Array($0.spelling.utf8) : nil })
        let vocabulary = ByteStringTable.indexing(spellings).table
        // Priorities: the rank of the score, highest first; equal scores share one. Only NORMAL pieces
        // are formed by merging: wherever a user-defined piece's text starts, the matcher takes it
        // whole first.
        let order = pieces.indices.sorted { pieces[$0].score > pieces[$1].score }
        var priorities = [UInt32](repeating: UInt32.max, count: pieces.count)
        var rank: UInt32 = 0
        for (k, id) in order.enumerated() {
            if k > 0 && pieces[id].score != pieces[order[k - 1]].score { rank += 1 }
            if pieces[id].type == .normal { priorities[id] = rank }
        }
        // A lone character that is no piece still merges in sentencepiece; hapax turns it into its
        // byte-fallback or unknown tokens first, so it refuses such a model: a piece whose first (or
        // last) character is no piece, and the rest is a piece or one more such character.
        for (id, piece) in pieces.enumerated() where piece.type == .normal {
            let spelling = Array(piece.spelling.utf8)
            guard let firstCut = spelling.indices.dropFirst().first(where: { spelling[$0] & 0xC0 != 0x80 }) else { continue }
            let lastCut = spelling.indices.last { spelling[$0] & 0xC0 != 0x80 }!
            func isPiece(_ part: ArraySlice<UInt8>) -> Bool { part.withUnsafeBufferPointer { vocabulary.id(of: $0) != nil } }
            for (cut, loneIsLeft) in [(firstCut, true), (lastCut, false)] {
                let left = spelling[..<cut], right = spelling[cut...]
                let lone = loneIsLeft ? left : right, other = loneIsLeft ? right : left
                if !isPiece(lone) && (isPiece(other) || (firstCut == lastCut)) {
                    throw TokenizerError("pieces[\(id)] (\(quoted(piece.spelling))): merges from \(quoted(String(decoding: lone, as: UTF8.self))), which is not a piece itself (or is UNUSED); hapax does not merge from a character it encodes as unknown")
                }
            }
        }
        let model = try BytePairModel(tokens: spellings, vocabulary: vocabulary, merges: .spelled(priorities: priorities), shortcut: .none,
                                      alphabet: .characters(byteTokens: fallback, unknown: UInt32(unknown), fusesUnknown: true))
        let added = pieces.enumerated().compactMap { id, piece -> AddedToken? in
            switch piece.type {
            case .control, .unknown:
                return AddedToken(content: piece.spelling, id: UInt32(id), special: true, normalized: false, lstrip: false, rstrip: false, singleWord: false)
            case .userDefined:
                return AddedToken(content: piece.spelling, id: UInt32(id), special: false, normalized: true, lstrip: false, rstrip: false, singleWord: false)
            default: return nil
            }
        }
        return Tokenizer(splits: [], normalizer: normalizer, model: model, addedTokens: added, surfaces: surfaces(of: pieces),
                         normalizesTokenContent: false, ends: Self.ends(ends, pieces, reserved),
                         source: "\(source) (SentencePiece BPE)")
    }
}
