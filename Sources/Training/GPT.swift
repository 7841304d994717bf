import Foundation
import SeededRandom

/// A GPT-2 style transformer over flat fp32 buffers: token and position embeddings, pre-LayerNorm
/// blocks of causal multi-head attention and (unless attention-only) a GELU MLP, a final LayerNorm and
/// an LM head. Every layer is a forward/backward pair in its own file; this type wires them and owns
/// the buffers, all allocated once for a batch size.
///
/// The loss is the mean cross-entropy over the kept targets only. The LM head, the largest matrix
/// product, runs only on the rows of kept targets, and its gradient is taken in the same pass, chunk
/// by chunk, so dropped targets cost nothing there and the logits never fill a `rows × vocab` buffer.
public final class GPT {
    public let config: ModelConfig
    public let layout: ParameterLayout
    public let batch: Int
    public let parameters: FloatBuffer
    public let gradients: FloatBuffer

    private let layers: [LayerActivations]
    private let embedded: FloatBuffer        // x0, the residual stream entering layer 0
    private let final: FloatBuffer           // ln_f output
    private let finalMean: FloatBuffer, finalRstd: FloatBuffer
    private let dResidual: FloatBuffer, dNormed: FloatBuffer, dAttended: FloatBuffer
    private let dQKV: FloatBuffer, dHidden: FloatBuffer, dActivated: FloatBuffer
    private let attentionScratch: FloatBuffer
    private let logits: FloatBuffer
    private var tokens: [UInt32] = []
    static let headChunk = 256

    final class LayerActivations {
        let input, ln1, ln1Mean, ln1Rstd, qkv, probabilities, attended, middle: FloatBuffer
        let ln2, ln2Mean, ln2Rstd, hidden, activated, output: FloatBuffer?

        init(rows: Int, config: ModelConfig, batch: Int) {
            let C = config.width, T = config.context
            input = FloatBuffer(count: rows * C)
            ln1 = FloatBuffer(count: rows * C)
            ln1Mean = FloatBuffer(count: rows)
            ln1Rstd = FloatBuffer(count: rows)
            qkv = FloatBuffer(count: rows * 3 * C)
            probabilities = FloatBuffer(count: batch * config.heads * T * T)
            attended = FloatBuffer(count: rows * C)
            middle = FloatBuffer(count: rows * C)
            let mlp = !config.attentionOnly
            ln2 = mlp ? FloatBuffer(count: rows * C) : nil
            ln2Mean = mlp ? FloatBuffer(count: rows) : nil
            ln2Rstd = mlp ? FloatBuffer(count: rows) : nil
            hidden = mlp ? FloatBuffer(count: rows * 4 * C) : nil
            activated = mlp ? FloatBuffer(count: rows * 4 * C) : nil
            output = mlp ? FloatBuffer(count: rows * C) : nil
        }

        /// The residual stream leaving the layer.
        var result: FloatBuffer { output ?? middle }
    }

    /// `parameters`, when given, is shared with other models of the same configuration.
    public init(config: ModelConfig, batch: Int, parameters: FloatBuffer? = nil) {
        precondition(config.width % config.heads == 0, "width must be a multiple of heads")
        self.config = config
        self.layout = ParameterLayout(config)
        self.batch = batch
        self.parameters = parameters ?? FloatBuffer(count: layout.count)
        gradients = FloatBuffer(count: layout.count)
        let rows = batch * config.context, C = config.width, T = config.context
        layers = (0..<config.layers).map { _ in LayerActivations(rows: rows, config: config, batch: batch) }
        embedded = FloatBuffer(count: rows * C)
        final = FloatBuffer(count: rows * C)
        finalMean = FloatBuffer(count: rows)
        finalRstd = FloatBuffer(count: rows)
        dResidual = FloatBuffer(count: rows * C)
        dNormed = FloatBuffer(count: rows * C)
        dAttended = FloatBuffer(count: rows * C)
        dQKV = FloatBuffer(count: rows * 3 * C)
        dHidden = FloatBuffer(count: config.attentionOnly ? 0 : rows * 4 * C)
        dActivated = FloatBuffer(count: config.attentionOnly ? 0 : rows * 4 * C)
        attentionScratch = FloatBuffer(count: Attention.scratchCount(context: T, width: config.width, heads: config.heads))
        logits = FloatBuffer(count: Self.headChunk * config.vocabSize)
    }

    // MARK: parameters

    private func p(_ name: String) -> UnsafeMutablePointer<Float> { parameters.pointer + layout.offset(name) }
    private func g(_ name: String) -> UnsafeMutablePointer<Float> { gradients.pointer + layout.offset(name) }
    private var headWeight: String { config.tiedEmbeddings ? "transformer.wte.weight" : "lm_head.weight" }

    /// GPT-2's initialisation: N(0, 0.02) weights, residual projections scaled by 1/√(2·layers), zero
    /// biases, unit LayerNorm gains. Draws come from one seeded stream in layout order.
    public func initialize(seed: UInt64) {
        var normal = GaussianStream(seed: seed)
        let residualScale = 1 / Float(2 * config.layers).squareRoot()
        for tensor in layout.tensors {
            let target = parameters.pointer + tensor.offset
            if tensor.name.hasSuffix(".bias") {
                target.update(repeating: 0, count: tensor.count)
            } else if tensor.name.contains("ln_") {
                target.update(repeating: 1, count: tensor.count)
            } else {
                let std: Float = tensor.name.hasSuffix("c_proj.weight") ? 0.02 * residualScale : 0.02
                for i in 0..<tensor.count { target[i] = std * normal.next() }
            }
        }
    }

    // MARK: forward

    /// Runs the network up to the final LayerNorm on `inputs` (`batch × context` token ids).
    private func forwardBody(_ inputs: [UInt32]) {
        let T = config.context, C = config.width, rows = batch * T
        precondition(inputs.count == rows)
        tokens = inputs
        let wte = p("transformer.wte.weight"), wpe = p("transformer.wpe.weight")
        timed("embeddings, forward") {
            for r in 0..<rows {
                let token = Int(inputs[r]), t = r % T
                let x = embedded.pointer + r * C
                for i in 0..<C { x[i] = wte[token * C + i] + wpe[t * C + i] }
            }
        }
        var residual = embedded
        for (l, a) in layers.enumerated() {
            let n = "transformer.h.\(l)."
            timed("layer \(l): LayerNorm, forward") {
                a.input.pointer.update(from: residual.pointer, count: rows * C)
                LayerNorm.forward(a.ln1.pointer, mean: a.ln1Mean.pointer, rstd: a.ln1Rstd.pointer, a.input.pointer,
                                  weight: p(n + "ln_1.weight"), bias: p(n + "ln_1.bias"), rows: rows, width: C)
            }
            timed("layer \(l): attention projections, forward") {
                Linear.forward(a.qkv.pointer, a.ln1.pointer, weight: p(n + "attn.c_attn.weight"), bias: p(n + "attn.c_attn.bias"),
                               rows: rows, inputs: C, outputs: 3 * C)
            }
            timed("layer \(l): attention, forward") {
                Attention.forward(a.attended.pointer, probabilities: a.probabilities.pointer, qkv: a.qkv.pointer,
                                  scratch: attentionScratch.pointer, batch: batch, context: T, width: C, heads: config.heads)
            }
            timed("layer \(l): attention projections, forward") {
                Linear.forward(a.middle.pointer, a.attended.pointer, weight: p(n + "attn.c_proj.weight"), bias: p(n + "attn.c_proj.bias"),
                               rows: rows, inputs: C, outputs: C)
                for i in 0..<(rows * C) { a.middle.pointer[i] += a.input.pointer[i] }
            }
            if let ln2 = a.ln2, let hidden = a.hidden, let activated = a.activated, let output = a.output {
                timed("layer \(l): LayerNorm, forward") {
                    LayerNorm.forward(ln2.pointer, mean: a.ln2Mean!.pointer, rstd: a.ln2Rstd!.pointer, a.middle.pointer,
                                      weight: p(n + "ln_2.weight"), bias: p(n + "ln_2.bias"), rows: rows, width: C)
                }
                timed("layer \(l): MLP matrices, forward") {
                    Linear.forward(hidden.pointer, ln2.pointer, weight: p(n + "mlp.c_fc.weight"), bias: p(n + "mlp.c_fc.bias"),
                                   rows: rows, inputs: C, outputs: 4 * C)
                }
                timed("layer \(l): GELU, forward") { GELU.forward(activated.pointer, hidden.pointer, count: rows * 4 * C) }
                timed("layer \(l): MLP matrices, forward") {
                    Linear.forward(output.pointer, activated.pointer, weight: p(n + "mlp.c_proj.weight"), bias: p(n + "mlp.c_proj.bias"),
                                   rows: rows, inputs: 4 * C, outputs: C)
                    for i in 0..<(rows * C) { output.pointer[i] += a.middle.pointer[i] }
                }
            }
            residual = a.result
        }
        timed("final LayerNorm, forward") {
            LayerNorm.forward(final.pointer, mean: finalMean.pointer, rstd: finalRstd.pointer, residual.pointer,
                              weight: p("transformer.ln_f.weight"), bias: p("transformer.ln_f.bias"), rows: rows, width: C)
        }
    }

    /// Set on the one replica whose phases `train --profile` times.
    public var profile: PhaseProfile?

    @inline(__always)
    private func timed<R>(_ phase: @autoclosure () -> String, _ body: () -> R) -> R {
        guard let profile else { return body() }
        return profile.time(phase(), body)
    }

    /// Cross-entropy of `targets` at the given rows; with `gradientScale`, also adds the LM head's
    /// gradient for a loss of `gradientScale · Σ losses` and leaves d(ln_f output) in `dNormed`;
    /// with `best`, writes each row's most likely token there.
    private func head(rows selected: [Int], targets: [UInt32], gradientScale: Float?,
                      best: UnsafeMutablePointer<UInt32>? = nil) -> [Float] {
        let C = config.width, V = config.vocabSize
        let weight = p(headWeight)
        var losses = [Float](repeating: 0, count: selected.count)
        if gradientScale != nil { dNormed.zero() }
        losses.withUnsafeMutableBufferPointer { losses in
        withUnsafeTemporaryAllocation(of: Float.self, capacity: Self.headChunk * C) { gathered in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: Self.headChunk * C) { dGathered in
                var start = 0
                while start < selected.count {
                    let count = min(Self.headChunk, selected.count - start)
                    for k in 0..<count {
                        (gathered.baseAddress! + k * C).update(from: final.pointer + selected[start + k] * C, count: C)
                    }
                    gemm(false, true, m: count, n: V, k: C, gathered.baseAddress!, C, weight, C, logits.pointer, V)
                    for k in 0..<count {
                        let row = logits.pointer + k * V
                        let target = Int(targets[selected[start + k]])
                        let maximum = Softmax.maximum(row, count: V)
                        if let best { best[start + k] = UInt32((0..<V).first { row[$0] == maximum } ?? 0) }
                        let targetLogit = row[target] - maximum
                        let sum = Softmax.exponentiate(row, count: V, shift: maximum)
                        losses[start + k] = logf(sum) - targetLogit
                        if let scale = gradientScale {
                            Softmax.scale(row, count: V, by: scale / sum)
                            row[target] -= scale
                        }
                    }
                    if gradientScale != nil {
                        gemm(false, false, m: count, n: C, k: V, logits.pointer, V, weight, C, dGathered.baseAddress!, C)
                        gemm(true, false, m: V, n: C, k: count, logits.pointer, V, gathered.baseAddress!, C, beta: 1, g(headWeight), C)
                        for k in 0..<count {
                            (dNormed.pointer + selected[start + k] * C).update(from: dGathered.baseAddress! + k * C, count: C)
                        }
                    }
                    start += count
                }
            }
        }
        }
        return losses
    }

    /// One training step's forward and backward passes: gradients (zeroed first) of the mean
    /// cross-entropy over the kept targets. `kept[r]` says whether row r's target counts.
    /// Returns the loss and the number of kept targets; with none kept, the gradients stay zero.
    public func forwardBackward(inputs: [UInt32], targets: [UInt32], kept: [Bool]) -> (loss: Float, kept: Int) {
        let count = kept.reduce(0) { $0 + ($1 ? 1 : 0) }
        let sum = forwardBackward(inputs: inputs, targets: targets, kept: kept, lossScale: 1 / Float(max(count, 1)))
        return (count > 0 ? sum / Float(count) : 0, count)
    }

    /// The gradients (zeroed first) of `lossScale` times the summed cross-entropy of the kept targets;
    /// returns that sum. Replicas of a batch split use the whole batch's scale.
    func forwardBackward(inputs: [UInt32], targets: [UInt32], kept: [Bool], lossScale: Float) -> Float {
        timed("gradients zeroed") { gradients.zero() }
        forwardBody(inputs)
        let selected = kept.indices.filter { kept[$0] }
        guard !selected.isEmpty else { return 0 }
        let losses = timed("LM head and its gradient (kept rows)") { head(rows: selected, targets: targets, gradientScale: lossScale) }
        backwardBody()
        return losses.reduce(0, +)
    }

    /// The cross-entropy of every target, without gradients (evaluation).
    public func losses(inputs: [UInt32], targets: [UInt32]) -> [Float] {
        forwardBody(inputs)
        return head(rows: Array(0..<(batch * config.context)), targets: targets, gradientScale: nil)
    }

    // MARK: inspection

    /// Runs the network on `inputs` (`batch × context` ids) without gradients, so that
    /// `attentionProbabilities` and `predictions` can read what it computed.
    public func forward(_ inputs: [UInt32]) { forwardBody(inputs) }

    /// Layer `layer`'s attention from the last `forward`, `[batch, heads, T, T]`: row i of a
    /// (sequence, head) block holds query i's weights over keys 0 … i; entries right of i mean nothing.
    public func attentionProbabilities(layer: Int) -> UnsafePointer<Float> { UnsafePointer(layers[layer].probabilities.pointer) }

    /// After `forward`: at each of `rows` (indices into `batch × context`), the cross-entropy of its
    /// entry in `targets` (one per row of the batch) and the most likely next token.
    public func predictions(rows: [Int], targets: [UInt32]) -> (losses: [Float], best: [UInt32]) {
        var best = [UInt32](repeating: 0, count: rows.count)
        let losses = best.withUnsafeMutableBufferPointer { head(rows: rows, targets: targets, gradientScale: nil, best: $0.baseAddress!) }
        return (losses, best)
    }

    /// Copies every tensor of `source` (laid out by `sourceLayout`) into this model's parameters; the
    /// position embeddings may be longer there, and only their first `context` rows are taken, so a
    /// shorter model computes exactly what the full one computes on its first `context` positions.
    public func loadPrefix(of source: UnsafePointer<Float>, layout sourceLayout: ParameterLayout) {
        for tensor in layout.tensors {
            let from = sourceLayout[tensor.name]!
            precondition(from.count >= tensor.count, "\(tensor.name) is smaller in the source")
            (parameters.pointer + tensor.offset).update(from: source + from.offset, count: tensor.count)
        }
    }

    /// The LM head's logits at one row of the batch, without gradients.
    func logits(inputs: [UInt32], row: Int) -> [Float] {
        forwardBody(inputs)
        let C = config.width, V = config.vocabSize
        gemm(false, true, m: 1, n: V, k: C, final.pointer + row * C, C, p(headWeight), C, logits.pointer, V)
        return Array(UnsafeBufferPointer(start: logits.pointer, count: V))
    }

    // MARK: backward

    /// From d(ln_f output) in `dNormed` back to every parameter.
    private func backwardBody() {
        let T = config.context, C = config.width, rows = batch * T
        let last = layers.last?.result ?? embedded
        timed("final LayerNorm, backward") {
            dResidual.zero()
            LayerNorm.backward(dInput: dResidual.pointer, dWeight: g("transformer.ln_f.weight"), dBias: g("transformer.ln_f.bias"),
                               dOut: dNormed.pointer, input: last.pointer, weight: p("transformer.ln_f.weight"),
                               mean: finalMean.pointer, rstd: finalRstd.pointer, rows: rows, width: C)
        }
        // dResidual now holds d(residual leaving the last layer); walk the layers back.
        for (l, a) in layers.enumerated().reversed() {
            let n = "transformer.h.\(l)."
            if let ln2 = a.ln2, let hidden = a.hidden, let activated = a.activated {
                // output = middle + mlp(ln2(middle)): dResidual flows to middle unchanged, plus the MLP path.
                timed("layer \(l): MLP matrices, backward") {
                    dActivated.zero()
                    Linear.backward(dInput: dActivated.pointer, dWeight: g(n + "mlp.c_proj.weight"), dBias: g(n + "mlp.c_proj.bias"),
                                    dOut: dResidual.pointer, input: activated.pointer, weight: p(n + "mlp.c_proj.weight"),
                                    rows: rows, inputs: 4 * C, outputs: C)
                }
                timed("layer \(l): GELU, backward") {
                    dHidden.zero()
                    GELU.backward(dInput: dHidden.pointer, hidden.pointer, dOut: dActivated.pointer, count: rows * 4 * C)
                }
                timed("layer \(l): MLP matrices, backward") {
                    dNormed.zero()
                    Linear.backward(dInput: dNormed.pointer, dWeight: g(n + "mlp.c_fc.weight"), dBias: g(n + "mlp.c_fc.bias"),
                                    dOut: dHidden.pointer, input: ln2.pointer, weight: p(n + "mlp.c_fc.weight"),
                                    rows: rows, inputs: C, outputs: 4 * C)
                }
                timed("layer \(l): LayerNorm, backward") {
                    LayerNorm.backward(dInput: dResidual.pointer, dWeight: g(n + "ln_2.weight"), dBias: g(n + "ln_2.bias"),
                                       dOut: dNormed.pointer, input: a.middle.pointer, weight: p(n + "ln_2.weight"),
                                       mean: a.ln2Mean!.pointer, rstd: a.ln2Rstd!.pointer, rows: rows, width: C)
                }
            }
            // middle = input + proj(attention(qkv(ln1(input)))).
            timed("layer \(l): attention projections, backward") {
                dAttended.zero()
                Linear.backward(dInput: dAttended.pointer, dWeight: g(n + "attn.c_proj.weight"), dBias: g(n + "attn.c_proj.bias"),
                                dOut: dResidual.pointer, input: a.attended.pointer, weight: p(n + "attn.c_proj.weight"),
                                rows: rows, inputs: C, outputs: C)
            }
            timed("layer \(l): attention, backward") {
                dQKV.zero()
                Attention.backward(dQKV: dQKV.pointer, dOut: dAttended.pointer, probabilities: a.probabilities.pointer,
                                   qkv: a.qkv.pointer, scratch: attentionScratch.pointer, batch: batch, context: T, width: C, heads: config.heads)
            }
            timed("layer \(l): attention projections, backward") {
                dNormed.zero()
                Linear.backward(dInput: dNormed.pointer, dWeight: g(n + "attn.c_attn.weight"), dBias: g(n + "attn.c_attn.bias"),
                                dOut: dQKV.pointer, input: a.ln1.pointer, weight: p(n + "attn.c_attn.weight"),
                                rows: rows, inputs: C, outputs: 3 * C)
            }
            timed("layer \(l): LayerNorm, backward") {
                LayerNorm.backward(dInput: dResidual.pointer, dWeight: g(n + "ln_1.weight"), dBias: g(n + "ln_1.bias"),
                                   dOut: dNormed.pointer, input: a.input.pointer, weight: p(n + "ln_1.weight"),
                                   mean: a.ln1Mean.pointer, rstd: a.ln1Rstd.pointer, rows: rows, width: C)
            }
        }
        let dwte = g("transformer.wte.weight"), dwpe = g("transformer.wpe.weight")
        timed("embeddings, backward") {
            for r in 0..<rows {
                let token = Int(tokens[r]), t = r % T
                let dx = dResidual.pointer + r * C
                for i in 0..<C {
                    dwte[token * C + i] += dx[i]
                    dwpe[t * C + i] += dx[i]
                }
            }
        }
    }
}

/// Standard normal draws from a seeded SplitMix64 stream (Box–Muller), for initialisation.
struct GaussianStream {
    private var generator: SplitMix64
    private var spare: Float?

    init(seed: UInt64) { generator = SplitMix64(seed: seed) }

    private mutating func uniform() -> Double {
        (Double(generator.next() >> 11) + 0.5) / Double(UInt64(1) << 53)
    }

    mutating func next() -> Float {
        if let spare {
            self.spare = nil
            return spare
        }
        let radius = (-2 * log(uniform())).squareRoot(), angle = 2 * Double.pi * uniform()
        spare = Float(radius * sin(angle))
        return Float(radius * cos(angle))
    }
}
