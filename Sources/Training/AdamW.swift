import Foundation

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

    public func update(_ parameters: FloatBuffer, _ gradients: FloatBuffer, learningRate: Float) {
        stepCount += 1
        let correction1 = 1 - Float(Double(beta1).power(stepCount)), correction2 = 1 - Float(Double(beta2).power(stepCount))
        let p = parameters.pointer, g = gradients.pointer, m = firstMoment.pointer, v = secondMoment.pointer
        for (range, decays) in decays {
            let shrink = decays ? 1 - learningRate * weightDecay : 1
            for i in range {
                p[i] *= shrink
                m[i] = beta1 * m[i] + (1 - beta1) * g[i]
                v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
                let mHat = m[i] / correction1, vHat = v[i] / correction2
                p[i] -= learningRate * mHat / (vHat.squareRoot() + epsilon)
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

/// Scales the gradients down to a global L2 norm of `maximum` when larger (0: never); returns the norm before.
@discardableResult
public func clipGradients(_ gradients: FloatBuffer, maximum: Float) -> Float {
    var sum: Double = 0
    for i in 0..<gradients.count { sum += Double(gradients[i]) * Double(gradients[i]) }
    let norm = Float(sum.squareRoot())
    if maximum > 0, norm > maximum {
        let scale = maximum / norm
        for i in 0..<gradients.count { gradients.pointer[i] *= scale }
    }
    return norm
}
