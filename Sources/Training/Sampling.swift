import Foundation
import SeededRandom

extension GPT {
    /// The next-token logits after the last `config.context` tokens of `context`, for a model built
    /// with batch size 1. Positions after the context are padding, which causal attention never reads.
    public func nextTokenLogits(_ context: [UInt32]) -> [Float] {
        precondition(batch == 1, "sampling runs with batch size 1")
        let window = Array(context.suffix(config.context))
        return logits(inputs: window + [UInt32](repeating: 0, count: config.context - window.count), row: window.count - 1)
    }

    /// Continues `prompt` by `count` tokens: temperature scaling, then sampling among the `topK` most
    /// likely tokens (all when nil), from a seeded generator.
    public func sample(prompt: [UInt32], count: Int, temperature: Float, topK: Int?, seed: UInt64) -> [UInt32] {
        var generator = SplitMix64(seed: seed)
        var tokens = prompt
        for _ in 0..<count {
            let logits = nextTokenLogits(tokens)
            var candidates = logits.indices.sorted { logits[$0] > logits[$1] }
            if let topK { candidates = Array(candidates.prefix(topK)) }
            let maximum = logits[candidates[0]]
            let weights = candidates.map { Double(expf((logits[$0] - maximum) / max(temperature, 1e-6))) }
            var draw = Double(generator.next() >> 11) / Double(UInt64(1) << 53) * weights.reduce(0, +)
            var choice = candidates.last!
            for (candidate, weight) in zip(candidates, weights) {
                draw -= weight
                if draw <= 0 {
                    choice = candidate
                    break
                }
            }
            tokens.append(UInt32(choice))
        }
        return Array(tokens.dropFirst(prompt.count))
    }
}
