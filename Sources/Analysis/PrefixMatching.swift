import Training

/// Induction heads measured the way the paper (after Olsson et al.) measures them.
///
/// Each probe sequence is R distinct random ids followed by the same R ids again. At position R+i of
/// the second copy (i = 0 … R-2), an induction head attends to key i+1: the token that followed the
/// earlier occurrence of the current token. A head's prefix-matching score is that attention weight,
/// averaged over the positions and the sequences.
public enum PrefixMatching {
    /// `[layer][head]` scores over `halves`, each the first copy of a sequence (it is repeated here).
    public static func scores(_ probe: ModelProbe, halves: [[UInt32]]) -> [[Double]] {
        let config = probe.model.config, T = config.context, H = config.heads
        let perSequence = probe.map(halves.map { $0 + $0 }) { model, b, sequence in
            let R = sequence.count / 2
            return (0..<config.layers).map { layer in
                let probabilities = model.attentionProbabilities(layer: layer)
                return (0..<H).map { h in
                    let block = probabilities + (b * H + h) * T * T
                    var sum = 0.0
                    for i in 0..<(R - 1) { sum += Double(block[(R + i) * T + i + 1]) }
                    return sum / Double(max(R - 1, 1))
                }
            }
        }
        return (0..<config.layers).map { layer in
            (0..<H).map { h in perSequence.reduce(0) { $0 + $1[layer][h] } / Double(max(perSequence.count, 1)) }
        }
    }
}

/// The summary of per-head prefix-matching scores the paper reports.
public struct InductionHeads: Codable, Equatable, Sendable {
    /// `[layer][head]`.
    public var prefixMatching: [[Double]]
    public var threshold: Double
    /// Heads scoring at least `threshold`.
    public var inductionHeads: Int
    /// The mean of the ten best scores (of all heads when there are fewer).
    public var top10Mean: Double
    /// The best heads first, as `L{layer}H{head}`, at most ten.
    public var topHeads: [String]

    public init(prefixMatching: [[Double]], threshold: Double) {
        self.prefixMatching = prefixMatching
        self.threshold = threshold
        let ranked = prefixMatching.enumerated().flatMap { layer, heads in
            heads.enumerated().map { (name: "L\(layer)H\($0.offset)", score: $0.element) }
        }.sorted { $0.score > $1.score }
        inductionHeads = ranked.filter { $0.score >= threshold }.count
        let top = ranked.prefix(10)
        top10Mean = top.isEmpty ? 0 : top.reduce(0) { $0 + $1.score } / Double(top.count)
        topHeads = top.map(\.name)
    }
}
