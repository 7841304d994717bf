import Foundation

/// One line of a run's metrics.jsonl; docs/FORMAT.md names every field. Numbers that are not finite
/// (a diverged run) and losses over no target are written as null. `Keys` holds the field names.
public struct MetricsRecord: Codable, Equatable, Sendable {
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

    private enum Keys: String, CodingKey {
        case step, trainLoss, lr, gradNorm, keptShare, tokensPerSecond, valLossAll, valLossKept, valLossDropped
        case prefixMatching, inductionHeads, top10Mean, repetitionAccuracy
        case frequentInductionHeads, frequentTop10Mean, frequentRepetitionAccuracy, frequentBestHead
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
                                 repetitionAccuracy: try c.decodeIfPresent(Double.self, forKey: .frequentRepetitionAccuracy) ?? .nan,
                                 bestHead: try c.decodeIfPresent(Double.self, forKey: .frequentBestHead) ?? .nan)
            }
            induction = InductionSnapshot(
                prefixMatching: (try c.decodeIfPresent([[Double?]].self, forKey: .prefixMatching) ?? []).map { $0.map { $0 ?? .nan } },
                inductionHeads: heads, top10Mean: try c.decodeIfPresent(Double.self, forKey: .top10Mean) ?? .nan,
                repetitionAccuracy: try c.decodeIfPresent(Double.self, forKey: .repetitionAccuracy) ?? .nan, frequent: frequent)
        }
    }

    /// Absent values are left out, except `train_loss`, which is always there (null when nothing was
    /// kept), and the evaluation's three losses, which come together.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(step, forKey: .step)
        try c.encode(trainLoss, forKey: .trainLoss)
        try c.encode(lr, forKey: .lr)
        try c.encodeIfPresent(gradNorm, forKey: .gradNorm)
        try c.encode(keptShare, forKey: .keptShare)
        try c.encode(tokensPerSecond, forKey: .tokensPerSecond)
        if valLossAll != nil {
            try c.encode(valLossAll, forKey: .valLossAll)
            try c.encode(valLossKept, forKey: .valLossKept)
            try c.encode(valLossDropped, forKey: .valLossDropped)
        }
        if let induction {
            try c.encode(induction.prefixMatching, forKey: .prefixMatching)
            try c.encode(induction.inductionHeads, forKey: .inductionHeads)
            try c.encode(induction.top10Mean, forKey: .top10Mean)
            try c.encode(induction.repetitionAccuracy, forKey: .repetitionAccuracy)
            if let frequent = induction.frequent {
                try c.encode(frequent.inductionHeads, forKey: .frequentInductionHeads)
                try c.encode(frequent.top10Mean, forKey: .frequentTop10Mean)
                try c.encode(frequent.repetitionAccuracy, forKey: .frequentRepetitionAccuracy)
                try c.encode(frequent.bestHead, forKey: .frequentBestHead)
            }
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
        /// The best head's prefix-matching score (NaN in metrics written before it was recorded).
        public var bestHead: Double

        public init(inductionHeads: Int, top10Mean: Double, repetitionAccuracy: Double, bestHead: Double) {
            self.inductionHeads = inductionHeads
            self.top10Mean = top10Mean
            self.repetitionAccuracy = repetitionAccuracy
            self.bestHead = bestHead
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
