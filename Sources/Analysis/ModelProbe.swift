import Training

/// A trained model cut to the context a probe needs and split over threads, for measuring it on
/// batches of short sequences. Position embeddings beyond `context` are left out, which changes
/// nothing on positions before it (attention is causal), and makes every probe as cheap as its
/// longest sequence rather than the model's whole context.
public final class ModelProbe {
    public let model: ReplicatedGPT

    /// `parameters` are laid out for `config`; `context` is at most `config.context`.
    public init(parameters: UnsafePointer<Float>, config: ModelConfig, context: Int, batch: Int = 16, threads: Int) {
        precondition(context >= 1 && context <= config.context, "a probe's context must fit the model's")
        var shorter = config
        shorter.context = context
        model = ReplicatedGPT(config: shorter, batch: batch, threads: threads)
        model.primary.loadPrefix(of: parameters, layout: ParameterLayout(config))
    }

    public var context: Int { model.config.context }

    /// Runs every sequence (each at most `context` tokens, padded after its end) through the model
    /// and returns `measure(model, b, sequence)` for each, where `b` is the sequence's row block in
    /// that replica's batch. `measure` runs on the replicas' threads, one call per sequence.
    public func map<Result>(_ sequences: [[UInt32]], _ measure: @escaping (GPT, Int, [UInt32]) -> Result) -> [Result] {
        let T = context, batch = model.batch
        var results = [Result?](repeating: nil, count: sequences.count)
        var start = 0
        while start < sequences.count {
            let chunk = (0..<batch).map { b in sequences[min(start + b, sequences.count - 1)] }
            var inputs: [UInt32] = []
            inputs.reserveCapacity(batch * T)
            for sequence in chunk {
                precondition(sequence.count <= T, "a probe sequence is longer than the probe's context")
                inputs += sequence + [UInt32](repeating: 0, count: T - sequence.count)
            }
            results.withUnsafeMutableBufferPointer { results in
                nonisolated(unsafe) let results = results
                nonisolated(unsafe) let measure = measure
                let first = start, count = sequences.count
                model.forwardEach(inputs) { replica, part in
                    for b in part where first + b < count {
                        results[first + b] = measure(replica, b - part.lowerBound, chunk[b])
                    }
                }
            }
            start += batch
        }
        return results.map { $0! }
    }
}
