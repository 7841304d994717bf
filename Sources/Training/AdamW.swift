import Foundation
import WorkerPool

/// AdamW with decoupled weight decay on matrices and embeddings only (PyTorch's update order: decay,
/// then the Adam step with bias correction).
public final class AdamW {
    public let beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float
    public let firstMoment: FloatBuffer
    public let secondMoment: FloatBuffer
    public var stepCount = 0
    private let decays: [(range: Range<Int>, decays: Bool)]

    public init(layout: ParameterLayout, beta1: Float = 0.9, beta2: Float = 0.95, epsilon: Float = 1e-8, weightDecay: Float = 0.1) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        firstMoment = FloatBuffer(count: layout.count)
        secondMoment = FloatBuffer(count: layout.count)
        decays = layout.tensors.map { ($0.offset..<($0.offset + $0.count), $0.decays) }
    }

    /// One step over all parameters, split into blocks that `threads` threads update at once (each
    /// element's arithmetic is the same however the blocks fall, so the result is too). The gradients
    /// are taken times `gradientScale`, as clipping scales them (`clipScale`), without a pass of
    /// their own over the buffer: the same products, so the same step.
    public func update(_ parameters: FloatBuffer, _ gradients: FloatBuffer, learningRate: Float, gradientScale: Float = 1, threads: Int = 1) {
        stepCount += 1
        let correction1 = 1 - Float(Double(beta1).power(stepCount)), correction2 = 1 - Float(Double(beta2).power(stepCount))
        let block = 1 << 16
        let blocks = decays.flatMap { range, decays in
            stride(from: range.lowerBound, to: range.upperBound, by: block).map { ($0..<min($0 + block, range.upperBound), decays) }
        }
        nonisolated(unsafe) let pointers = (parameters.pointer, gradients.pointer, firstMoment.pointer, secondMoment.pointer)
        let step = Step(beta1: beta1, beta2: beta2, epsilon: epsilon, correction1: correction1, correction2: correction2,
                        learningRate: learningRate, gradientScale: gradientScale)
        let shrink = 1 - learningRate * weightDecay
        _ = parallelMap(blocks.count, threads: threads) { k in
            let (p, g, m, v) = pointers
            step.apply(p, g, m, v, blocks[k].0, shrink: blocks[k].1 ? shrink : 1)
        }
    }

    /// The arithmetic of one step, eight lanes at a time and then one.
    private struct Step {
        let beta1: Float, beta2: Float, epsilon: Float, correction1: Float, correction2: Float, learningRate: Float, gradientScale: Float

        func apply(_ p: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ m: UnsafeMutablePointer<Float>,
                   _ v: UnsafeMutablePointer<Float>, _ range: Range<Int>, shrink: Float) {
            var i = range.lowerBound
            func lanes(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> { UnsafeRawPointer(pointer + i).loadUnaligned(as: SIMD8<Float>.self) }
            func store(_ value: SIMD8<Float>, _ pointer: UnsafeMutablePointer<Float>) {
                UnsafeMutableRawPointer(pointer + i).storeBytes(of: value, as: SIMD8<Float>.self)
            }
            while i + 8 <= range.upperBound {
                let gradient = lanes(g) * gradientScale
                let first = beta1 * lanes(m) + (1 - beta1) * gradient
                let second = beta2 * lanes(v) + (1 - beta2) * gradient * gradient
                let parameter = lanes(p) * shrink
                store(first, m)
                store(second, v)
                store(parameter - learningRate * (first / correction1) / ((second / correction2).squareRoot() + epsilon), p)
                i += 8
            }
            while i < range.upperBound {
                let gradient = g[i] * gradientScale
                p[i] *= shrink
                m[i] = beta1 * m[i] + (1 - beta1) * gradient
                v[i] = beta2 * v[i] + (1 - beta2) * gradient * gradient
                p[i] -= learningRate * (m[i] / correction1) / ((v[i] / correction2).squareRoot() + epsilon)
                i += 1
            }
        }
    }
}

extension Double {
    func power(_ n: Int) -> Double {
        var result = 1.0
        for _ in 0..<n { result *= self }
        return result
    }
}

/// Linear warm-up to the peak rate, then cosine decay to a tenth of it at the last step.
public struct LearningRateSchedule: Codable, Sendable {
    public var peak: Float
    public var warmup: Int
    public var steps: Int

    public init(peak: Float, warmup: Int, steps: Int) {
        self.peak = peak
        self.warmup = warmup
        self.steps = steps
    }

    public func rate(at step: Int) -> Float {
        if step < warmup { return peak * Float(step + 1) / Float(warmup) }
        let minimum = peak / 10
        let progress = Float(step - warmup) / Float(max(1, steps - 1 - warmup))
        return minimum + 0.5 * (1 + cosf(Float.pi * min(progress, 1))) * (peak - minimum)
    }
}

/// The global L2 norm of the gradients. The squares are summed in blocks, each in four lanes of
/// doubles, and the blocks' sums in order: the same norm on any number of threads.
public func gradientNorm(_ gradients: FloatBuffer, threads: Int = 1) -> Float {
    let block = 1 << 16, n = gradients.count
    nonisolated(unsafe) let g = gradients.pointer
    let sums = parallelMap((n + block - 1) / block, threads: threads) { k in
        var lanes = SIMD4<Double>(repeating: 0)
        var i = k * block
        let end = min(i + block, n)
        while i + 4 <= end {
            let x = SIMD4<Double>(Double(g[i]), Double(g[i + 1]), Double(g[i + 2]), Double(g[i + 3]))
            lanes += x * x
            i += 4
        }
        var sum = lanes.sum()
        while i < end {
            sum += Double(g[i]) * Double(g[i])
            i += 1
        }
        return sum
    }
    return Float(sums.reduce(0, +).squareRoot())
}

/// The factor that scales gradients of L2 norm `norm` down to `maximum` when larger (0: never).
public func clipScale(norm: Float, maximum: Float) -> Float {
    maximum > 0 && norm > maximum ? maximum / norm : 1
}
