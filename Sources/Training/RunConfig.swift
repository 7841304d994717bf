import Shards

/// The options of a training run that are not the model's shape. Stored in the run's config.json.
public struct TrainingOptions: Codable, Equatable, Sendable {
    public var data: String
    public var mask: String
    public var ngram: Int
    public var batchSize: Int
    public var steps: Int
    public var learningRate: Float
    public var warmup: Int
    public var weightDecay: Float
    public var gradientClip: Float
    public var seed: UInt64
    public var threads: Int
    public var evalEvery: Int
    public var evalWindows: Int
    public var checkpointEvery: Int

    public init(data: String, mask: String, ngram: Int, batchSize: Int, steps: Int, learningRate: Float, warmup: Int,
                weightDecay: Float, gradientClip: Float, seed: UInt64, threads: Int, evalEvery: Int, evalWindows: Int,
                checkpointEvery: Int) {
        self.data = data
        self.mask = mask
        self.ngram = ngram
        self.batchSize = batchSize
        self.steps = steps
        self.learningRate = learningRate
        self.warmup = warmup
        self.weightDecay = weightDecay
        self.gradientClip = gradientClip
        self.seed = seed
        self.threads = threads
        self.evalEvery = evalEvery
        self.evalWindows = evalWindows
        self.checkpointEvery = checkpointEvery
    }
}

/// A run's config.json: the model's shape at the top level, the training options under `training`,
/// and under `tokenizer` the identity of the tokenizer whose ids the model was trained on, its `file`
/// relative to the run folder (runs made before hapax recorded it have none).
public struct RunConfig: Codable, Equatable, Sendable {
    public var model: ModelConfig
    public var training: TrainingOptions
    public var tokenizer: TokenizerIdentity?

    public init(model: ModelConfig, training: TrainingOptions, tokenizer: TokenizerIdentity?) {
        self.model = model
        self.training = training
        self.tokenizer = tokenizer
    }

    private enum Keys: String, CodingKey { case training, tokenizer }

    public init(from decoder: Decoder) throws {
        model = try ModelConfig(from: decoder)
        let container = try decoder.container(keyedBy: Keys.self)
        training = try container.decode(TrainingOptions.self, forKey: .training)
        tokenizer = try container.decodeIfPresent(TokenizerIdentity.self, forKey: .tokenizer)
    }

    public func encode(to encoder: Encoder) throws {
        try model.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(training, forKey: .training)
        try container.encodeIfPresent(tokenizer, forKey: .tokenizer)
    }
}
