import SeededRandom
import Testing
@testable import Training

/// Analytic gradients against central finite differences. Each layer is checked alone through a
/// random linear read-out `L = Σ c·y`, and the whole model through its loss, in every configuration.
@Suite struct GradientTests {
    static func random(_ count: Int, _ rng: inout SplitMix64, scale: Float = 1) -> [Float] {
        (0..<count).map { _ in scale * (Float(rng.next() >> 40) / Float(1 << 24) * 2 - 1) }
    }

    /// Checks `analytic` (dL/dx) against (L(x + h) − L(x − h)) / 2h: coordinate by coordinate within
    /// `tolerance` (relative, floored at 0.01 for tiny gradients, where fp32 differences are noise), and
    /// as a whole within ‖a − n‖ / (‖a‖ + ‖n‖) < 1e-2.
    static func check(_ x: inout [Float], analytic: [Float], step: Float = 1e-2, tolerance: Float = 2e-2,
                      _ label: String, loss: ([Float]) -> Double) {
        var worst: Float = 0
        var difference: Double = 0, norms: (Double, Double) = (0, 0)
        for i in x.indices {
            let saved = x[i]
            x[i] = saved + step
            let plus = loss(x)
            x[i] = saved - step
            let minus = loss(x)
            x[i] = saved
            let numeric = Float((plus - minus) / Double(2 * step))
            let error = abs(numeric - analytic[i]) / max(1e-2, abs(numeric) + abs(analytic[i]))
            worst = max(worst, error)
            difference += Double((numeric - analytic[i]) * (numeric - analytic[i]))
            norms.0 += Double(numeric * numeric)
            norms.1 += Double(analytic[i] * analytic[i])
        }
        let overall = difference.squareRoot() / (norms.0.squareRoot() + norms.1.squareRoot())
        #expect(worst < tolerance, "\(label): worst relative error \(worst)")
        #expect(overall < 1e-2, "\(label): overall relative error \(overall)")
    }

    static func dot(_ a: [Float], _ b: [Float]) -> Double { zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) } }

    /// A row shorter than the kernels' eight lanes, and one longer.
    @Test(arguments: [7, 19])
    func layerNorm(width: Int) {
        var rng = SplitMix64(seed: 1)
        let rows = 3
        var x = Self.random(rows * width, &rng), w = Self.random(width, &rng), b = Self.random(width, &rng)
        let c = Self.random(rows * width, &rng)
        func run(_ x: [Float], _ w: [Float], _ b: [Float]) -> (y: [Float], mean: [Float], rstd: [Float]) {
            var y = [Float](repeating: 0, count: rows * width), mean = [Float](repeating: 0, count: rows), rstd = mean
            LayerNorm.forward(&y, mean: &mean, rstd: &rstd, x, weight: w, bias: b, rows: rows, width: width)
            return (y, mean, rstd)
        }
        let (_, mean, rstd) = run(x, w, b)
        var dx = [Float](repeating: 0, count: x.count), dw = [Float](repeating: 0, count: width), db = dw
        LayerNorm.backward(dInput: &dx, dWeight: &dw, dBias: &db, dOut: c, input: x, weight: w, mean: mean, rstd: rstd, rows: rows, width: width)
        Self.check(&x, analytic: dx, step: 1e-3, "LayerNorm input") { Self.dot(run($0, w, b).y, c) }
        Self.check(&w, analytic: dw, "LayerNorm weight") { Self.dot(run(x, $0, b).y, c) }
        Self.check(&b, analytic: db, "LayerNorm bias") { Self.dot(run(x, w, $0).y, c) }
    }

    @Test func linear() {
        var rng = SplitMix64(seed: 2)
        let rows = 4, inputs = 5, outputs = 3
        var x = Self.random(rows * inputs, &rng), w = Self.random(outputs * inputs, &rng), b = Self.random(outputs, &rng)
        let c = Self.random(rows * outputs, &rng)
        func run(_ x: [Float], _ w: [Float], _ b: [Float]) -> [Float] {
            var y = [Float](repeating: 0, count: rows * outputs)
            Linear.forward(&y, x, weight: w, bias: b, rows: rows, inputs: inputs, outputs: outputs)
            return y
        }
        var dx = [Float](repeating: 0, count: x.count), dw = [Float](repeating: 0, count: w.count), db = [Float](repeating: 0, count: outputs)
        Linear.backward(dInput: &dx, dWeight: &dw, dBias: &db, dOut: c, input: x, weight: w, rows: rows, inputs: inputs, outputs: outputs)
        Self.check(&x, analytic: dx, "Linear input") { Self.dot(run($0, w, b), c) }
        Self.check(&w, analytic: dw, "Linear weight") { Self.dot(run(x, $0, b), c) }
        Self.check(&b, analytic: db, "Linear bias") { Self.dot(run(x, w, $0), c) }
    }

    @Test func gelu() {
        var rng = SplitMix64(seed: 3)
        var x = Self.random(50, &rng, scale: 4)
        let c = Self.random(50, &rng)
        func run(_ x: [Float]) -> [Float] {
            var y = [Float](repeating: 0, count: x.count)
            GELU.forward(&y, x, count: x.count)
            return y
        }
        var dx = [Float](repeating: 0, count: x.count)
        GELU.backward(dInput: &dx, x, dOut: c, count: x.count)
        Self.check(&x, analytic: dx, step: 1e-3, "GELU") { Self.dot(run($0), c) }
    }

    /// Attention's analytic gradient against finite differences on every `stride`-th coordinate.
    static func checkAttention(batch: Int, context T: Int, width C: Int, heads: Int, seed: UInt64, stride: Int, _ label: String) {
        var rng = SplitMix64(seed: seed)
        let qkv = Self.random(batch * T * 3 * C, &rng)
        let c = Self.random(batch * T * C, &rng)
        var scratch = [Float](repeating: 0, count: Attention.scratchCount(context: T, width: C, heads: heads))
        func run(_ qkv: [Float]) -> (y: [Float], p: [Float]) {
            var y = [Float](repeating: 0, count: batch * T * C), p = [Float](repeating: 0, count: batch * heads * T * T)
            Attention.forward(&y, probabilities: &p, qkv: qkv, scratch: &scratch, batch: batch, context: T, width: C, heads: heads)
            return (y, p)
        }
        let (_, p) = run(qkv)
        var d = [Float](repeating: 0, count: qkv.count)
        Attention.backward(dQKV: &d, dOut: c, probabilities: p, qkv: qkv, scratch: &scratch, batch: batch, context: T, width: C, heads: heads)
        let sampled = Array(Swift.stride(from: 0, to: qkv.count, by: stride))
        var values = sampled.map { qkv[$0] }
        Self.check(&values, analytic: sampled.map { d[$0] }, step: 1e-3, label) { values in
            var x = qkv
            for (k, i) in sampled.enumerated() { x[i] = values[k] }
            return Self.dot(run(x).y, c)
        }
    }

    @Test func attention() {
        Self.checkAttention(batch: 2, context: 5, width: 6, heads: 2, seed: 4, stride: 1, "Attention")
    }

    /// Longer than two of the kernels' vectors of keys, with a partial last tile of rows.
    @Test func attentionAcrossTiles() {
        Self.checkAttention(batch: 1, context: 71, width: 4, heads: 2, seed: 6, stride: 7, "Attention across tiles")
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func wholeModel(attentionOnly: Bool, tied: Bool) {
        let config = ModelConfig(layers: 2, heads: 2, width: 8, vocabSize: 11, context: 6, attentionOnly: attentionOnly, tiedEmbeddings: tied)
        let model = GPT(config: config, batch: 2)
        model.initialize(seed: 9)
        // Larger weights than GPT-2's 0.02 and non-trivial gains and biases, so that every path
        // carries a gradient worth checking, yet the softmaxes stay far from saturation.
        var rng = SplitMix64(seed: 5)
        for tensor in model.layout.tensors {
            let noise = Self.random(tensor.count, &rng, scale: 0.2)
            for i in 0..<tensor.count {
                let k = tensor.offset + i
                model.parameters[k] = tensor.shape.count == 2 ? 8 * model.parameters[k] : (tensor.name.contains("ln_") && tensor.name.hasSuffix("weight") ? 1 : 0) + noise[i]
            }
        }
        let inputs = (0..<12).map { _ in UInt32(rng.next() % 11) }, targets = (0..<12).map { _ in UInt32(rng.next() % 11) }
        let kept = (0..<12).map { $0 % 3 != 1 }
        _ = model.forwardBackward(inputs: inputs, targets: targets, kept: kept)
        let analytic = model.gradients.array
        var values = model.parameters.array
        Self.check(&values, analytic: analytic, step: 1e-3, tolerance: 5e-2, "GPT attentionOnly=\(attentionOnly) tied=\(tied)") { values in
            for i in values.indices { model.parameters[i] = values[i] }
            return Double(model.forwardBackward(inputs: inputs, targets: targets, kept: kept).loss)
        }
    }

    @Test func droppedTargetsDoNotMoveTheLoss() {
        let config = ModelConfig(layers: 1, heads: 1, width: 4, vocabSize: 7, context: 4, attentionOnly: false, tiedEmbeddings: false)
        let model = GPT(config: config, batch: 1)
        model.initialize(seed: 1)
        let inputs: [UInt32] = [1, 2, 3, 4]
        let a = model.forwardBackward(inputs: inputs, targets: [2, 3, 4, 5], kept: [true, false, true, false])
        let b = model.forwardBackward(inputs: inputs, targets: [2, 6, 4, 0], kept: [true, false, true, false])
        #expect(a.loss == b.loss && a.kept == 2)
        let losses = model.losses(inputs: inputs, targets: [2, 3, 4, 5])
        #expect(abs((losses[0] + losses[2]) / 2 - a.loss) < 1e-6)
    }
}

@Suite struct ThreadingTests {
    /// A batch split over replicas gives the loss and gradients of the whole batch, up to the order
    /// of summation.
    @Test func replicasGiveTheGradientsOfTheWholeBatch() {
        let config = ModelConfig(layers: 1, heads: 2, width: 16, vocabSize: 300, context: 32, attentionOnly: false, tiedEmbeddings: false)
        let single = GPT(config: config, batch: 5)
        single.initialize(seed: 3)
        let replicated = ReplicatedGPT(config: config, batch: 5, threads: 2)
        replicated.parameters.pointer.update(from: single.parameters.pointer, count: single.parameters.count)
        var rng = SplitMix64(seed: 8)
        let inputs = (0..<160).map { _ in UInt32(rng.next() % 300) }, targets = (0..<160).map { _ in UInt32(rng.next() % 300) }
        let kept = (0..<160).map { $0 % 5 != 0 && $0 < 100 }
        let one = single.forwardBackward(inputs: inputs, targets: targets, kept: kept)
        let two = replicated.forwardBackward(inputs: inputs, targets: targets, kept: kept)
        #expect(one.kept == two.kept)
        #expect(abs(one.loss - two.loss) <= 1e-5 * abs(one.loss))
        let worst = zip(single.gradients.array, replicated.gradients.array).map { abs($0 - $1) / max(1e-5, abs($0)) }.max()!
        #expect(worst < 1e-3)
        let lossesOne = single.losses(inputs: inputs, targets: targets), lossesTwo = replicated.losses(inputs: inputs, targets: targets)
        #expect(zip(lossesOne, lossesTwo).allSatisfy { abs($0 - $1) <= 1e-5 * abs($0) })
    }
}
