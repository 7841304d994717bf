import Training

/// Copying measured directly: on `r1 … rs r1 … r(s-1)` of distinct random ids, does the model's
/// greedy next token give `rs`? The losses on the first copy (targets r2 … rs, unpredictable) and on
/// the second (the same targets, copyable) show how much the model leans on the earlier occurrence.
public struct RepetitionTest: Codable, Equatable, Sendable {
    public var accuracy: Double
    public var lossFirst: Double
    public var lossSecond: Double

    public init(accuracy: Double, lossFirst: Double, lossSecond: Double) {
        self.accuracy = accuracy
        self.lossFirst = lossFirst
        self.lossSecond = lossSecond
    }

    /// `halves` are the sequences `r1 … rs`. Each runs as `r1 … rs r1 … rs`: the target of position
    /// 2s-2 is `rs`, and no position sees a later one.
    public init(_ probe: ModelProbe, halves: [[UInt32]]) {
        let T = probe.context
        let results = probe.map(halves.map { $0 + $0 }) { model, b, sequence in
            let s = sequence.count / 2
            // Rows 0 … 2s-2 predict tokens 1 … 2s-1: first copy targets r2 … rs, then r1, then r2 … rs.
            var targets = [UInt32](repeating: 0, count: model.batch * T)
            for t in 0..<(2 * s - 1) { targets[b * T + t] = sequence[t + 1] }
            let first = Array(0..<(s - 1)), second = Array(s..<(2 * s - 1))
            let (losses, best) = model.predictions(rows: (first + second).map { b * T + $0 }, targets: targets)
            let lossFirst = losses.prefix(first.count).reduce(0) { $0 + Double($1) } / Double(first.count)
            let lossSecond = losses.suffix(second.count).reduce(0) { $0 + Double($1) } / Double(second.count)
            return (correct: best.last == sequence[s - 1], first: lossFirst, second: lossSecond)
        }
        let n = Double(max(results.count, 1))
        accuracy = Double(results.filter(\.correct).count) / n
        lossFirst = results.reduce(0.0) { $0 + $1.first } / n
        lossSecond = results.reduce(0.0) { $0 + $1.second } / n
    }
}
