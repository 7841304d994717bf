/// A Unigram model: pieces with scores, and the encoding of a normalized text as the sequence of
/// pieces whose scores sum highest (Viterbi), as `sentencepiece` computes it (unigram_model.cc,
/// `EncodeOptimized`; oracle: sentencepiece 0.2.3) and as `tokenizers` does after it (its Unigram
/// model's `encode_optimized`; oracle: tokenizers 0.22.2).
///
/// Left to right over the text's UTF-8 bytes, each position a character starts at extends the best
/// path ending there by every piece the text continues with there; a path replaces the one kept at
/// its end only if its score is strictly higher, so of equal scores the path found first (its last
/// piece starting earliest) stays. Where no piece covers exactly the one character at a position,
/// the unknown piece covering it is a candidate too, scored the lowest score minus 10. On the best
/// path, a run of unknown pieces becomes the byte-fallback pieces of its bytes when the model has
/// them all, else one unknown piece (or one per character, without `fusesUnknown`). `tokenizers`
/// counts the unknown piece's own spelling matched in the text (`<unk>`) into such a run, and looks
/// the run's text up as a piece first.
///
/// The two libraries differ in what they take from the vocabulary. sentencepiece matches NORMAL and
/// user-defined pieces only, scores a user-defined piece its length in bytes times the highest
/// NORMAL score minus 0.1 (which makes it win), takes the lowest NORMAL score for the unknown piece,
/// and keeps path scores in single precision: each sum is rounded to a float, so that ties fall as
/// they fall there. (On one text of tens of thousands of pieces, sentencepiece still settles some
/// near-ties, a thousandth apart where a float's step is a hundredth, otherwise than this does; the
/// cause is not found yet. Texts of some thousands of pieces agree.) `tokenizers` matches every piece
/// of its vocabulary (`<s>` too) and adds in double precision.
struct UnigramModel: PieceModel {
    enum Form { case sentencePiece, huggingFace }
    enum Kind { case normal, userDefined, never }

    /// A byte trie over the pieces that can be taken: `children[node << 8 | byte]` is the child node.
    private let children: [UInt32: UInt32]
    /// The root's children by byte (0: none), the lookup most positions stop at.
    private let rootChildren: [UInt32]
    /// The piece ending at each node, -1 for none.
    private let pieceAtNode: [Int32]
    /// Each piece's score on a path (see above), by id.
    private let scores: [Double]
    private let unknown: UInt32
    private let unknownScore: Double
    /// Each byte's fallback piece, UInt32.max for none; nil without byte fallback.
    private let byteTokens: [UInt32]?
    private let fusesUnknown: Bool
    private let singlePrecision: Bool
    private let looksUpRuns: Bool

    /// `pieces[id]` is a piece's spelling, score and kind (`never`: not matched in text).
    init(pieces: [(spelling: [UInt8], score: Double, kind: Kind)], unknown: UInt32, byteTokens: [UInt32]?,
         fusesUnknown: Bool, form: Form) {
        var children: [UInt32: UInt32] = [:]
        var pieceAtNode: [Int32] = [-1]
        for (id, piece) in pieces.enumerated() where piece.kind != .never {
            var node: UInt32 = 0
            for byte in piece.spelling {
                let key = node << 8 | UInt32(byte)
                if let child = children[key] {
                    node = child
                } else {
                    let child = UInt32(pieceAtNode.count)
                    pieceAtNode.append(-1)
                    children[key] = child
                    node = child
                }
            }
            // `tokenizers` keeps the last of equal spellings, sentencepiece refuses them.
            pieceAtNode[Int(node)] = Int32(id)
        }
        self.children = children
        self.rootChildren = (0..<256).map { children[UInt32($0)] ?? 0 }
        self.pieceAtNode = pieceAtNode
        switch form {
        case .sentencePiece:
            let normalScores = pieces.filter { $0.kind == .normal }.map { Float($0.score) }
            // sentencepiece starts its extremes at FLT_MAX and FLT_MIN (the least positive normal float).
            let lowest = min(normalScores.min() ?? .greatestFiniteMagnitude, .greatestFiniteMagnitude)
            let highest = max(normalScores.max() ?? .leastNormalMagnitude, .leastNormalMagnitude)
            scores = pieces.map { piece in
                piece.kind == .userDefined ? Double(Float(piece.spelling.count) * highest) - 0.1 : Double(Float(piece.score))
            }
            unknownScore = Double(lowest - 10)
        case .huggingFace:
            scores = pieces.map(\.score)
            unknownScore = (pieces.map(\.score).min() ?? 0) - 10
        }
        self.unknown = unknown
        self.byteTokens = byteTokens
        self.fusesUnknown = fusesUnknown
        self.singlePrecision = form == .sentencePiece
        self.looksUpRuns = form == .huggingFace
    }

    var name: String { "Unigram" }

    var description: String {
        "Unigram (Viterbi over piece scores); a character outside the vocabulary becomes "
            + (byteTokens != nil ? "the <0xXX> tokens of its bytes" : "the unknown token \(unknown)" + (fusesUnknown ? ", once per run" : ""))
    }

    private struct PathEnd {
        var id: UInt32 = 0
        var score: Double = 0
        var start = -1
    }

    /// Marks an unknown character on a path, told apart from the unknown piece's own spelling.
    private static let noPiece = UInt32.max

    /// The piece spelled by `bytes`, if any.
    private func piece(spelled bytes: Slice<UnsafeBufferPointer<UInt8>>) -> UInt32? {
        var node: UInt32 = 0
        for byte in bytes {
            guard let child = node == 0 ? (rootChildren[Int(byte)] == 0 ? nil : rootChildren[Int(byte)]) : children[node << 8 | UInt32(byte)] else { return nil }
            node = child
        }
        let id = pieceAtNode[Int(node)]
        return id >= 0 ? UInt32(id) : nil
    }

    func encode(_ bytes: UnsafeBufferPointer<UInt8>, into output: inout [UInt32]) {
        guard !bytes.isEmpty else { return }
        var ends = [PathEnd](repeating: PathEnd(), count: bytes.count + 1)
        func offer(_ id: UInt32, score: Double, from start: Int, to end: Int) {
            let candidate = singlePrecision ? Double(Float(score + ends[start].score)) : score + ends[start].score
            if ends[end].start == -1 || candidate > ends[end].score {
                ends[end] = PathEnd(id: id, score: candidate, start: start)
            }
        }
        var start = 0
        while start < bytes.count {
            let characterLength = min(SentencePieceNormalizer.characterLength(lead: bytes[start]), bytes.count - start)
            var coversCharacter = false
            var node = rootChildren[Int(bytes[start])]
            var end = start + 1
            while node != 0 {
                let id = pieceAtNode[Int(node)]
                if id >= 0 {
                    offer(UInt32(id), score: scores[Int(id)], from: start, to: end)
                    if end - start == characterLength { coversCharacter = true }
                }
                guard end < bytes.count, let child = children[node << 8 | UInt32(bytes[end])] else { break }
                node = child
                end += 1
            }
            if !coversCharacter { offer(Self.noPiece, score: unknownScore, from: start, to: start + characterLength) }
            start += characterLength
        }
        var path: [(id: UInt32, start: Int, end: Int)] = []
        var end = bytes.count
        while end > 0 {
            let last = ends[end]
            path.append((last.id, last.start, end))
            end = last.start
        }
        path.reverse()
        func isUnknown(_ id: UInt32) -> Bool { id == Self.noPiece || (looksUpRuns && id == unknown) }
        var k = 0
        while k < path.count {
            guard isUnknown(path[k].id) else {
                output.append(path[k].id)
                k += 1
                continue
            }
            var runEnd = k + 1
            while runEnd < path.count && isUnknown(path[runEnd].id) { runEnd += 1 }
            let runBytes = path[k].start..<path[runEnd - 1].end
            if looksUpRuns, let id = piece(spelled: bytes[runBytes]) {
                output.append(id)
            } else if let byteTokens, runBytes.allSatisfy({ byteTokens[Int(bytes[$0])] != UInt32.max }) {
                for i in runBytes { output.append(byteTokens[Int(bytes[i])]) }
            } else {
                output += repeatElement(unknown, count: fusesUnknown ? 1 : runEnd - k)
            }
            k = runEnd
        }
    }
}

