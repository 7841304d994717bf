import InductionDetector
import Shards

/// Validation losses on all targets, and split by the Hapax n = 2 rule into kept and dropped targets,
/// whatever mask the model was trained with.
public struct EvaluationResult: Codable, Equatable, Sendable {
    public var lossAll: Double
    public var lossKept: Double
    public var lossDropped: Double?
    public var targets: Int
    public var keptTargets: Int
    public var droppedTargets: Int
    public var windows: Int
    /// The mean loss of target position t = 1 … context at index t-1 (predicted from t tokens).
    public var lossByPosition: [Double]
}

public func evaluate(_ model: LossModel, folder: ShardFolder, split: Split = .val, maxWindows: Int? = nil) throws(ShardError) -> EvaluationResult {
    let total = min(folder.windowCount(split), maxWindows ?? Int.max)
    guard total > 0 else { throw ShardError("\(folder.path): the \(split.rawValue) split has no windows to evaluate on") }
    let rule = MaskRule.hapax(n: 2), T = model.config.context
    var sums = (all: 0.0, kept: 0.0, dropped: 0.0), counts = (kept: 0, dropped: 0)
    var byPosition = [Double](repeating: 0, count: T)
    var start = 0
    while start < total {
        let real = min(model.batch, total - start)
        var inputs: [UInt32] = [], targets: [UInt32] = [], matches: [[UInt8]] = []
        for b in 0..<model.batch {
            // A last, partial batch is filled with copies of its last window, whose losses are ignored.
            let (tokens, m) = try folder.window(split, start + min(b, real - 1))
            inputs += tokens.dropLast()
            targets += tokens.dropFirst()
            matches.append(Array(m))
        }
        let losses = model.losses(inputs: inputs, targets: targets)
        for b in 0..<real {
            matches[b].withUnsafeBufferPointer { m in
                for t in 1...T {
                    let loss = Double(losses[b * T + t - 1])
                    sums.all += loss
                    byPosition[t - 1] += loss
                    if rule.drops(t, m) {
                        sums.dropped += loss
                        counts.dropped += 1
                    } else {
                        sums.kept += loss
                        counts.kept += 1
                    }
                }
            }
        }
        start += real
    }
    let targets = total * T
    return EvaluationResult(lossAll: sums.all / Double(targets), lossKept: sums.kept / Double(max(counts.kept, 1)),
                            lossDropped: counts.dropped > 0 ? sums.dropped / Double(counts.dropped) : nil,
                            targets: targets, keptTargets: counts.kept, droppedTargets: counts.dropped, windows: total,
                            lossByPosition: byPosition.map { $0 / Double(total) })
}
