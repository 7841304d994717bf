import Foundation
import Testing
@testable import Analysis
@testable import Training

/// The copying measures on hand-built models whose answers are known.
@Suite struct InductionProbeTests {
    static let V = 16, T = 32, C = 80, heads = 2

    /// A two-layer attention-only model wired by hand. Residual dimensions: the current token's
    /// one-hot at 0 ..< 16, the position's at 16 ..< 48, the previous token's at 48 ..< 64 (written by
    /// layer 0's head 0, a previous-token head), and the copied token's at 64 ..< 80 (written by layer
    /// 1's head 0, an induction head: its query is the current token, its key the previous token of
    /// each position, its value that position's token). The head reads the copied slot. Head 1 of each
    /// layer is all zeros: uniform attention with no output.
    static func inductionModel() -> GPT {
        let config = ModelConfig(layers: 2, heads: heads, width: C, vocabSize: V, context: T, attentionOnly: true, tiedEmbeddings: false)
        let model = GPT(config: config, batch: 4)
        let p = model.parameters.pointer, layout = model.layout
        func set(_ name: String, _ row: Int, _ column: Int, _ value: Float) {
            let tensor = layout[name]!
            p[tensor.offset + row * tensor.shape[1] + column] = value
        }
        for v in 0..<V { set("transformer.wte.weight", v, v, 1) }
        for t in 0..<T { set("transformer.wpe.weight", t, 16 + t, 1) }
        let sharp: Float = 30 * Float(C / heads).squareRoot()
        // Each layer sees a residual of `ones` one-hot entries; LayerNorm (unit gain, zero bias) maps it
        // to (x − μ)/σ, so weights σ·W and biases μ·W·1 make the layer compute W·x on the raw residual.
        func layer(_ l: Int, ones: Int, entries: [(row: Int, column: Int, value: Float)], projection: [(row: Int, column: Int)]) {
            let mean = Float(ones) / Float(C)
            let sigma = (mean - mean * mean + 1e-5).squareRoot()
            var rowSums = [Float](repeating: 0, count: 3 * C)
            for e in entries {
                set("transformer.h.\(l).attn.c_attn.weight", e.row, e.column, sigma * e.value)
                rowSums[e.row] += e.value
            }
            for (row, sum) in rowSums.enumerated() where sum != 0 {
                p[layout["transformer.h.\(l).attn.c_attn.bias"]!.offset + row] += mean * sum
            }
            for e in projection { set("transformer.h.\(l).attn.c_proj.weight", e.row, e.column, 1) }
            for name in ["ln_1.weight"] {
                let tensor = layout["transformer.h.\(l).\(name)"]!
                (p + tensor.offset).update(repeating: 1, count: tensor.count)
            }
        }
        // Layer 0: query of position t is position t-1, key of position s is s: attend to the previous token.
        layer(0, ones: 2, entries: (1..<T).map { (row: $0 - 1, column: 16 + $0, value: sharp) }
                  + (0..<T).map { (row: C + $0, column: 16 + $0, value: 1) }
                  + (0..<V).map { (row: 2 * C + $0, column: $0, value: 1) },
              projection: (0..<V).map { (row: 48 + $0, column: $0) })
        // Layer 1: query the current token, key the previous token, value the token itself. Position 0
        // has no previous token (its layer-0 head attends to itself), so a constant query component
        // against a position-0 key component keeps every query off it.
        p[layout["transformer.h.1.attn.c_attn.bias"]!.offset + 16] = -sharp
        layer(1, ones: 3, entries: (0..<V).map { (row: $0, column: $0, value: sharp) }
                  + [(row: C + 16, column: 16, value: 1)]
                  + (0..<V).map { (row: C + $0, column: 48 + $0, value: 1) }
                  + (0..<V).map { (row: 2 * C + $0, column: $0, value: 1) },
              projection: (0..<V).map { (row: 64 + $0, column: $0) })
        let lnf = layout["transformer.ln_f.weight"]!
        (p + lnf.offset).update(repeating: 1, count: lnf.count)
        for v in 0..<V { set("lm_head.weight", v, 64 + v, 5) }
        return model
    }

    /// Only embeddings: every query scores every key 0, so attention is uniform.
    static func uniformModel() -> GPT {
        let config = ModelConfig(layers: 2, heads: heads, width: C, vocabSize: V, context: T, attentionOnly: true, tiedEmbeddings: true)
        let model = GPT(config: config, batch: 4)
        model.initialize(seed: 3)
        for l in 0..<2 {
            for name in ["attn.c_attn.weight", "attn.c_attn.bias"] {
                let tensor = model.layout["transformer.h.\(l).\(name)"]!
                (model.parameters.pointer + tensor.offset).update(repeating: 0, count: tensor.count)
            }
        }
        return model
    }

    static let pool = TokenPool(ids: (0..<UInt32(V)).map { $0 })

    @Test func anInductionHeadScoresNearOneAndCopies() {
        let model = Self.inductionModel()
        let probe = ModelProbe(parameters: model.parameters.pointer, config: model.config, context: 2 * 12, threads: 2)
        let scores = PrefixMatching.scores(probe, halves: Self.pool.sequences(20, length: 12, seed: 5))
        #expect(scores[1][0] > 0.99, "the induction head: \(scores)")
        #expect(scores[0][0] < 0.01, "the previous-token head attends elsewhere: \(scores)")
        let heads = InductionHeads(prefixMatching: scores, threshold: 0.4)
        #expect(heads.inductionHeads == 1 && heads.topHeads.first == "L1H0")

        let copying = ModelProbe(parameters: model.parameters.pointer, config: model.config, context: 2 * 10, threads: 1)
        let repetition = RepetitionTest(copying, halves: Self.pool.sequences(50, length: 10, seed: 6))
        #expect(repetition.accuracy == 1)
        #expect(repetition.lossSecond < 0.01 && repetition.lossFirst > 1, "\(repetition)")
    }

    @Test func uniformAttentionScoresTheUniformWeight() {
        let model = Self.uniformModel()
        let R = 12
        let probe = ModelProbe(parameters: model.parameters.pointer, config: model.config, context: 2 * R, threads: 2)
        let scores = PrefixMatching.scores(probe, halves: Self.pool.sequences(7, length: R, seed: 9))
        // Query R+i sees R+i+1 keys with equal weight.
        let expected = (0..<(R - 1)).reduce(0.0) { $0 + 1 / Double(R + $1 + 1) } / Double(R - 1)
        for layer in scores { for score in layer { #expect(abs(score - expected) < 1e-5, "\(score) against \(expected)") } }
        #expect(InductionHeads(prefixMatching: scores, threshold: 0.4).inductionHeads == 0)
    }

    @Test func aShorterProbeComputesWhatTheFullModelComputes() {
        let model = Self.uniformModel()
        model.initialize(seed: 11)
        let sequence: [UInt32] = [3, 1, 4, 1, 5, 9, 2, 6]
        var inputs = [UInt32](repeating: 0, count: model.batch * Self.T)
        for (t, token) in sequence.enumerated() { inputs[t] = token }
        let targets = inputs.indices.map { $0 + 1 < inputs.count ? inputs[$0 + 1] : 0 }
        model.forward(inputs)
        let full = model.predictions(rows: Array(0..<7), targets: targets)
        let probe = ModelProbe(parameters: model.parameters.pointer, config: model.config, context: 8, threads: 1)
        let short = probe.map([sequence]) { gpt, b, sequence in
            gpt.predictions(rows: (0..<7).map { b * 8 + $0 }, targets: (0..<(gpt.batch * 8)).map { $0 % 8 < 7 ? sequence[$0 % 8 + 1] : 0 })
        }[0]
        #expect(short.best == full.best)
        for (a, b) in zip(short.losses, full.losses) { #expect(abs(a - b) < 1e-5) }
    }

    @Test func tokenLossDifferenceNamesItsPositions() {
        let long = TokenLossDifference(lossByPosition: (1...1024).map { 5 - Double($0) / 1000 })
        #expect(long.positions == [50, 500])
        #expect(abs(long.score - (-0.45)) < 1e-9)
        let short = TokenLossDifference(lossByPosition: (1...256).map { Double($0) })
        #expect(short.positions == [25, 256] && short.score == 231)
    }

    @Test func topTenMeanOfFewerHeadsIsTheirMean() {
        let heads = InductionHeads(prefixMatching: [[0.5, 0.1], [0.3, 0.9]], threshold: 0.4)
        #expect(heads.inductionHeads == 2 && heads.topHeads == ["L1H1", "L0H0", "L1H0", "L0H1"])
        #expect(abs(heads.top10Mean - 0.45) < 1e-12)
    }
}
