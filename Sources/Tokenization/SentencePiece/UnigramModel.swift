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

    /// The pieces that can be taken, by their bytes.
    private let trie: PieceTrie
    /// The score on a path (see above) of the piece at each trie position: read beside the piece's
    /// id rather than after it, one wait on memory less a step.
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
        // `tokenizers` keeps the last of equal spellings, sentencepiece refuses them.
        trie = PieceTrie(pieces.map { $0.kind == .never ? nil : $0.spelling })
        let scores: [Double]
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
        self.scores = trie.pieceAtNode.map { $0 >= 0 ? scores[Int($0)] : 0 }
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

    /// The best path ending at a position: its last piece, its score, and where that piece starts
    /// (-1: no path ends here yet).
    private struct PathEnd {
        var id: UInt32
        var start: Int32
        var score: Double
    }

    /// Marks an unknown character on a path, told apart from the unknown piece's own spelling.
    private static let noPiece = UInt32.max

    func encode(_ bytes: UnsafeBufferPointer<UInt8>, into output: inout [UInt32]) {
        guard !bytes.isEmpty else { return }
        let n = bytes.count
        precondition(n < Int(Int32.max), "UnigramModel: a text of 2 GB or more")
        // Not an Array: its zeroing and checks had cost as much as the walk; every slot is set here.
        let ends = UnsafeMutableBufferPointer<PathEnd>.allocate(capacity: n + 1)
        defer { ends.deallocate() }
        ends.initialize(repeating: PathEnd(id: 0, start: -1, score: 0))
        ends[0].start = 0
        scores.withUnsafeBufferPointer { scores in
            trie.withWalker { trie in
                viterbi(bytes, ends, scores, trie)
            }
        }
        emitBestPath(bytes, ends, into: &output)
    }

    /// Fills `ends` left to right: each position a character starts at extends the best path ending
    /// there by every piece the text continues with.
    @inline(__always)
    private func viterbi(_ bytes: UnsafeBufferPointer<UInt8>, _ ends: UnsafeMutableBufferPointer<PathEnd>,
                         _ scores: UnsafeBufferPointer<Double>, _ trie: PieceTrie.Walker) {
        let n = bytes.count
        var start = 0
        while start < n {
            let lead = bytes[start]
            let characterLength = lead < 0x80 ? 1 : min(SentencePieceNormalizer.characterLength(lead: lead), n - start)
            let base = ends[start].score
            var coversCharacter = false
            var node = trie.child(0, lead)
            var end = start + 1
            while node != 0 {
                let id = trie.pieceAtNode[Int(node)]
                if id >= 0 {
                    let sum = scores[Int(node)] + base
                    let candidate = singlePrecision ? Double(Float(sum)) : sum
                    if ends[end].start < 0 || candidate > ends[end].score {
                        ends[end] = PathEnd(id: UInt32(id), start: Int32(start), score: candidate)
                    }
                    if end - start == characterLength { coversCharacter = true }
                }
                guard end < n else { break }
                node = trie.child(node, bytes[end])
                end += 1
            }
            if !coversCharacter {
                let sum = unknownScore + base
                let candidate = singlePrecision ? Double(Float(sum)) : sum
                let end = start + characterLength
                if ends[end].start < 0 || candidate > ends[end].score {
                    ends[end] = PathEnd(id: Self.noPiece, start: Int32(start), score: candidate)
                }
            }
            start += characterLength
        }
    }

    /// The best path ending at the text's end, its runs of unknown characters resolved.
    private func emitBestPath(_ bytes: UnsafeBufferPointer<UInt8>, _ ends: UnsafeMutableBufferPointer<PathEnd>, into output: inout [UInt32]) {
        func isUnknown(_ id: UInt32) -> Bool { id == Self.noPiece || (looksUpRuns && id == unknown) }
        // The path back from the end, reversed into place; where its pieces start, when one is unknown.
        let first = output.count
        var end = bytes.count
        var unknowns = 0
        while end > 0 {
            let id = ends[end].id
            output.append(id)
            if isUnknown(id) { unknowns += 1 }
            end = Int(ends[end].start)
        }
        output[first...].reverse()
        guard unknowns > 0 else { return }
        var starts: [Int] = []
        starts.reserveCapacity(output.count - first + 1)
        end = bytes.count
        while end > 0 {
            starts.append(end)
            end = Int(ends[end].start)
        }
        starts.append(0)
        starts.reverse()
        // starts[k] and starts[k + 1] bound the path's piece k.
        let path = Array(output[first...])
        output.removeSubrange(first...)
        var k = 0
        while k < path.count {
            guard isUnknown(path[k]) else {
                output.append(path[k])
                k += 1
                continue
            }
            var runEnd = k + 1
            while runEnd < path.count && isUnknown(path[runEnd]) { runEnd += 1 }
            let runBytes = starts[k]..<starts[runEnd]
            if looksUpRuns, let id = trie.withWalker({ $0.piece(spelled: bytes[runBytes]) }) {
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
