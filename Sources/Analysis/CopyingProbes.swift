import Training

/// The copying measures of one model on one pool of random tokens: its induction heads (prefix
/// matching) and its repetition test. docs/FORMAT.md and docs/COMMANDS.md define each field.
public struct CopyingMeasures: Codable, Equatable, Sendable {
    public var tokens: Int
    public var repeatLength: Int
    public var repetitionLength: Int
    public var prefixMatching: [[Double]]
    public var threshold: Double
    public var inductionHeads: Int
    public var top10Mean: Double
    public var topHeads: [String]
    public var repetitionAccuracy: Double
    public var repetitionLossFirst: Double
    public var repetitionLossSecond: Double
    /// The layer of each row of `prefixMatching`, where it is not the row's position: a hybrid model
    /// measured by `hapax-shards analyze` has rows for its attention layers only.
    public var attentionLayers: [Int]? = nil

    /// The best head's prefix-matching score.
    public var bestHead: Double { prefixMatching.joined().max() ?? 0 }
}

/// How many random sequences of which lengths the probes draw, and from which seed.
public struct CopyingProbes: Sendable {
    /// Prefix-matching sequences and the length R of their first half.
    public var sequences: Int
    public var repeatLength: Int
    /// Repetition-test sequences and their length s.
    public var repetitions: Int
    public var repetitionLength: Int
    public var seed: UInt64
    public var threshold: Double
    public var threads: Int

    public init(sequences: Int = 100, repeatLength: Int = 50, repetitions: Int = 1000, repetitionLength: Int = 20,
                seed: UInt64 = 1, threshold: Double = 0.4, threads: Int) {
        self.sequences = sequences
        self.repeatLength = repeatLength
        self.repetitions = repetitions
        self.repetitionLength = repetitionLength
        self.seed = seed
        self.threshold = threshold
        self.threads = threads
    }

    /// The lengths actually used: each sequence and its repeat must fit the context and the pool.
    public func lengths(context: Int, pool: TokenPool) -> (repeat: Int, repetition: Int) {
        (min(repeatLength, context / 2, pool.ids.count), min(repetitionLength, context / 2, pool.ids.count))
    }

    public func measure(parameters: UnsafePointer<Float>, config: ModelConfig, pool: TokenPool) -> CopyingMeasures {
        let (R, s) = lengths(context: config.context, pool: pool)
        let matching = ModelProbe(parameters: parameters, config: config, context: 2 * R, threads: threads)
        let heads = InductionHeads(prefixMatching: PrefixMatching.scores(matching, halves: pool.sequences(sequences, length: R, seed: seed)),
                                   threshold: threshold)
        let copying = ModelProbe(parameters: parameters, config: config, context: 2 * s, threads: threads)
        let repetition = RepetitionTest(copying, halves: pool.sequences(repetitions, length: s, seed: seed &+ 1))
        return CopyingMeasures(tokens: pool.ids.count, repeatLength: R, repetitionLength: s, prefixMatching: heads.prefixMatching,
                               threshold: threshold, inductionHeads: heads.inductionHeads, top10Mean: heads.top10Mean,
                               topHeads: heads.topHeads, repetitionAccuracy: repetition.accuracy,
                               repetitionLossFirst: repetition.lossFirst, repetitionLossSecond: repetition.lossSecond)
    }

    /// The smaller measurement `train --analyze-every` records.
    public func snapshot(_ model: GPT, uniform: TokenPool, frequent: TokenPool?) -> InductionSnapshot {
        let measures = measure(parameters: model.parameters.pointer, config: model.config, pool: uniform)
        let frequent = frequent.map { measure(parameters: model.parameters.pointer, config: model.config, pool: $0) }
        return InductionSnapshot(prefixMatching: measures.prefixMatching, inductionHeads: measures.inductionHeads,
                                 top10Mean: measures.top10Mean, repetitionAccuracy: measures.repetitionAccuracy,
                                 frequent: frequent.map { .init(inductionHeads: $0.inductionHeads, top10Mean: $0.top10Mean,
                                                                repetitionAccuracy: $0.repetitionAccuracy, bestHead: $0.bestHead) })
    }
}

/// The token-loss difference the paper uses as its in-context-learning score: the mean validation
/// loss at target position `late` minus at `early`, 500 and 50 when the context allows; otherwise
/// the last position and a tenth of it. Negative: later tokens are easier, the context helps.
public struct TokenLossDifference: Codable, Equatable, Sendable {
    public var score: Double
    public var positions: [Int]

    public init(lossByPosition: [Double]) {
        let context = lossByPosition.count
        let late = min(500, context), early = context >= 500 ? 50 : max(1, late / 10)
        positions = [early, late]
        score = lossByPosition[late - 1] - lossByPosition[early - 1]
    }
}

/// Everything `hapax-train analyze` measures on one run; written to the run's analysis.json.
public struct AnalysisReport: Codable, Equatable, Sendable {
    /// The training step of the weights measured.
    public var step: Int?
    public var sequences: Int
    public var repetitions: Int
    public var seed: UInt64
    /// Uniform over the vocabulary's ordinary tokens (the paper's measure), at the top level.
    public var uniform: CopyingMeasures
    /// The same on tokens frequent in the training shards, when they could be read.
    public var frequent: CopyingMeasures?
    public var iclScore: Double?
    public var iclPositions: [Int]?
    public var lossAll: Double?
    public var lossKept: Double?
    public var lossDropped: Double?
    public var lossByPosition: [Double]?
    public var seconds: Double

    public init(step: Int?, probes: CopyingProbes, uniform: CopyingMeasures, frequent: CopyingMeasures?,
                evaluation: EvaluationResult?, seconds: Double) {
        self.step = step
        sequences = probes.sequences
        repetitions = probes.repetitions
        seed = probes.seed
        self.uniform = uniform
        self.frequent = frequent
        if let evaluation {
            let difference = TokenLossDifference(lossByPosition: evaluation.lossByPosition)
            iclScore = difference.score
            iclPositions = difference.positions
            lossAll = evaluation.lossAll
            lossKept = evaluation.lossKept
            lossDropped = evaluation.lossDropped
            lossByPosition = evaluation.lossByPosition
        }
        self.seconds = seconds
    }

    private enum Keys: String, CodingKey {
        case step, sequences, repetitions, seed, frequent, iclScore, iclPositions, lossAll, lossKept, lossDropped, lossByPosition, seconds
    }

    public init(from decoder: Decoder) throws {
        uniform = try CopyingMeasures(from: decoder)
        let c = try decoder.container(keyedBy: Keys.self)
        step = try c.decodeIfPresent(Int.self, forKey: .step)
        sequences = try c.decode(Int.self, forKey: .sequences)
        repetitions = try c.decode(Int.self, forKey: .repetitions)
        seed = try c.decode(UInt64.self, forKey: .seed)
        frequent = try c.decodeIfPresent(CopyingMeasures.self, forKey: .frequent)
        iclScore = try c.decodeIfPresent(Double.self, forKey: .iclScore)
        iclPositions = try c.decodeIfPresent([Int].self, forKey: .iclPositions)
        lossAll = try c.decodeIfPresent(Double.self, forKey: .lossAll)
        lossKept = try c.decodeIfPresent(Double.self, forKey: .lossKept)
        lossDropped = try c.decodeIfPresent(Double.self, forKey: .lossDropped)
        lossByPosition = try c.decodeIfPresent([Double].self, forKey: .lossByPosition)
        seconds = try c.decode(Double.self, forKey: .seconds)
    }

    public func encode(to encoder: Encoder) throws {
        try uniform.encode(to: encoder)
        var c = encoder.container(keyedBy: Keys.self)
        try c.encodeIfPresent(step, forKey: .step)
        try c.encode(sequences, forKey: .sequences)
        try c.encode(repetitions, forKey: .repetitions)
        try c.encode(seed, forKey: .seed)
        try c.encodeIfPresent(frequent, forKey: .frequent)
        try c.encodeIfPresent(iclScore, forKey: .iclScore)
        try c.encodeIfPresent(iclPositions, forKey: .iclPositions)
        try c.encodeIfPresent(lossAll, forKey: .lossAll)
        try c.encodeIfPresent(lossKept, forKey: .lossKept)
        try c.encodeIfPresent(lossDropped, forKey: .lossDropped)
        try c.encodeIfPresent(lossByPosition, forKey: .lossByPosition)
        try c.encode(seconds, forKey: .seconds)
    }
}
