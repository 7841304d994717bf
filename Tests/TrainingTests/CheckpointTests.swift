import Foundation
import Testing
@testable import Training

@Suite struct CheckpointTests {
    @Test func checkpointsSortByStepNotByName() throws {
        let run = RunFolder(path: FileManager.default.temporaryDirectory.appendingPathComponent("run-\(UUID().uuidString)").path)
        for name in ["step-10000000", "step-9999999", "step-0000100", "step-0000100.tmp-42"] {
            try FileManager.default.createDirectory(atPath: "\(run.checkpoints)/\(name)", withIntermediateDirectories: true)
        }
        #expect(run.completeCheckpoints() == ["step-0000100", "step-9999999", "step-10000000"])
    }

    @Test func clipZeroMeansNoClipping() {
        let gradients = FloatBuffer(count: 3)
        for (i, value) in [3, -4, 12].enumerated() { gradients.pointer[i] = Float(value) }
        #expect(gradientNorm(gradients) == 13)
        #expect(clipScale(norm: 13, maximum: 0) == 1 && clipScale(norm: 13, maximum: 13) == 1)
        #expect(clipScale(norm: 13, maximum: 6.5) == 0.5)
    }

    /// AdamW given a gradient scale steps exactly as it does on gradients scaled beforehand.
    @Test func aScaledStepIsTheStepOfScaledGradients() {
        // Matrices decay and vectors do not: both kinds of block.
        let layout = ParameterLayout(ModelConfig(layers: 1, heads: 1, width: 4, vocabSize: 7, context: 4, attentionOnly: false, tiedEmbeddings: false))
        let parameters = [FloatBuffer(count: layout.count), FloatBuffer(count: layout.count)]
        let gradients = FloatBuffer(count: layout.count), scaled = FloatBuffer(count: layout.count)
        for i in 0..<layout.count {
            for p in parameters { p.pointer[i] = sinf(Float(i)) }
            gradients.pointer[i] = cosf(Float(3 * i)) * 4
            scaled.pointer[i] = gradients.pointer[i] * 0.37
        }
        let optimizers = [AdamW(layout: layout), AdamW(layout: layout)]
        for _ in 0..<3 {
            optimizers[0].update(parameters[0], gradients, learningRate: 0.01, gradientScale: 0.37)
            optimizers[1].update(parameters[1], scaled, learningRate: 0.01)
        }
        #expect((0..<layout.count).map { parameters[0].pointer[$0] } == (0..<layout.count).map { parameters[1].pointer[$0] })
        #expect((0..<layout.count).map { parameters[0].pointer[$0] } != (0..<layout.count).map { sinf(Float($0)) })
    }
}
