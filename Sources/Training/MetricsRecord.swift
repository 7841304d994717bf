import Foundation

/// One line of a run's metrics.jsonl; docs/FORMAT.md names every field. Numbers that are not finite
/// (a diverged run) and losses over no target are written as null.
public struct MetricsRecord: Decodable, Equatable, Sendable {
    public var step: Int
    /// The mean loss over the kept targets of the step's batch.
    public var trainLoss: Double?
    public var lr: Double
    public var gradNorm: Double?
    public var keptShare: Double
    public var tokensPerSecond: Double
    /// On evaluation steps: validation losses on all targets and on those `hapax` n = 2 keeps and drops.
    public var valLossAll: Double?
    public var valLossKept: Double?
    public var valLossDropped: Double?
    /// On `--analyze-every` steps.
    public var induction: InductionSnapshot?

    public init(step: Int, trainLoss: Double?, lr: Double, gradNorm: Double?, keptShare: Double, tokensPerSecond: Double) {
        self.step = step
        self.trainLoss = trainLoss
        self.lr = lr
        self.gradNorm = gradNorm
        self.keptShare = keptShare
        self.tokensPerSecond = tokensPerSecond
    }

    public mutating func record(_ evaluation: EvaluationResult) {
        valLossAll = evaluation.lossAll
        valLossKept = evaluation.lossKept
        valLossDropped = evaluation.lossDropped
    }

    /// The line, keys sorted; absent values are left out, except `train_loss`, which is always there.
    public var jsonLine: Data {
        var object: [String: Any] = ["step": step, "train_loss": Self.json(trainLoss), "lr": Self.json(lr),
                                     "kept_share": Self.json(keptShare), "tokens_per_second": Self.json(tokensPerSecond)]
        if let gradNorm { object["grad_norm"] = Self.json(gradNorm) }
        if valLossAll != nil {
            object["val_loss_all"] = Self.json(valLossAll)
            object["val_loss_kept"] = Self.json(valLossKept)
            object["val_loss_dropped"] = Self.json(valLossDropped)
        }
        if let induction {
            object["prefix_matching"] = induction.prefixMatching.map { $0.map { Self.json($0) } }
            object["induction_heads"] = induction.inductionHeads
            object["top10_mean"] = Self.json(induction.top10Mean)
            object["repetition_accuracy"] = Self.json(induction.repetitionAccuracy)
            if let frequent = induction.frequent {
                object["frequent_induction_heads"] = frequent.inductionHeads
                object["frequent_top10_mean"] = Self.json(frequent.top10Mean)
                object["frequent_repetition_accuracy"] = Self.json(frequent.repetitionAccuracy)
            }
        }
        return try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) + Data("\n".utf8)
    }

    private static func json(_ value: Double?) -> Any {
        guard let value, value.isFinite else { return NSNull() }
        return value
    }

    private enum Keys: String, CodingKey {
        case step, trainLoss, lr, gradNorm, keptShare, tokensPerSecond, valLossAll, valLossKept, valLossDropped
        case prefixMatching, inductionHeads, top10Mean, repetitionAccuracy
        case frequentInductionHeads, frequentTop10Mean, frequentRepetitionAccuracy
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        step = try c.decode(Int.self, forKey: .step)
        trainLoss = try c.decodeIfPresent(Double.self, forKey: .trainLoss)
        lr = try c.decodeIfPresent(Double.self, forKey: .lr) ?? .nan
        gradNorm = try c.decodeIfPresent(Double.self, forKey: .gradNorm)
        keptShare = try c.decodeIfPresent(Double.self, forKey: .keptShare) ?? .nan
        tokensPerSecond = try c.decodeIfPresent(Double.self, forKey: .tokensPerSecond) ?? .nan
        valLossAll = try c.decodeIfPresent(Double.self, forKey: .valLossAll)
        valLossKept = try c.decodeIfPresent(Double.self, forKey: .valLossKept)
        valLossDropped = try c.decodeIfPresent(Double.self, forKey: .valLossDropped)
        if let heads = try c.decodeIfPresent(Int.self, forKey: .inductionHeads) {
            var frequent: InductionSnapshot.Frequent?
            if let frequentHeads = try c.decodeIfPresent(Int.self, forKey: .frequentInductionHeads) {
                frequent = .init(inductionHeads: frequentHeads,
                                 top10Mean: try c.decodeIfPresent(Double.self, forKey: .frequentTop10Mean) ?? .nan,
                                 repetitionAccuracy: try c.decodeIfPresent(Double.self, forKey: .frequentRepetitionAccuracy) ?? .nan)
            }
            induction = InductionSnapshot(
                prefixMatching: (try c.decodeIfPresent([[Double?]].self, forKey: .prefixMatching) ?? []).map { $0.map { $0 ?? .nan } },
                inductionHeads: heads, top10Mean: try c.decodeIfPresent(Double.self, forKey: .top10Mean) ?? .nan,
                repetitionAccuracy: try c.decodeIfPresent(Double.self, forKey: .repetitionAccuracy) ?? .nan, frequent: frequent)
        }
    }
}

/// What `hapax-train train --analyze-every K` records: the induction-head measures of the model at
/// that step, on uniformly drawn tokens and, when the shards allow, on frequent ones.
public struct InductionSnapshot: Equatable, Sendable {
    public var prefixMatching: [[Double]]
    public var inductionHeads: Int
    public var top10Mean: Double
    public var repetitionAccuracy: Double
    public var frequent: Frequent?

    public struct Frequent: Equatable, Sendable {
        public var inductionHeads: Int
        public var top10Mean: Double
        public var repetitionAccuracy: Double

        public init(inductionHeads: Int, top10Mean: Double, repetitionAccuracy: Double) {
            self.inductionHeads = inductionHeads
            self.top10Mean = top10Mean
            self.repetitionAccuracy = repetitionAccuracy
        }
    }

    public init(prefixMatching: [[Double]], inductionHeads: Int, top10Mean: Double, repetitionAccuracy: Double, frequent: Frequent?) {
        self.prefixMatching = prefixMatching
        self.inductionHeads = inductionHeads
        self.top10Mean = top10Mean
        self.repetitionAccuracy = repetitionAccuracy
        self.frequent = frequent
    }
}
