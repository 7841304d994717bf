/// LayerNorm over the last dimension (eps 1e-5), forward and backward, on `rows × width` buffers.
enum LayerNorm {
    static let epsilon: Float = 1e-5

    static func forward(_ out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>,
                        _ input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, rows: Int, width: Int) {
        for r in 0..<rows {
            let x = input + r * width, y = out + r * width
            var sum: Float = 0
            for i in 0..<width { sum += x[i] }
            let m = sum / Float(width)
            var variance: Float = 0
            for i in 0..<width { variance += (x[i] - m) * (x[i] - m) }
            let s = 1 / (variance / Float(width) + epsilon).squareRoot()
            for i in 0..<width { y[i] = (x[i] - m) * s * weight[i] + bias[i] }
            mean[r] = m
            rstd[r] = s
        }
    }

    /// Adds to `dInput`, `dWeight`, `dBias`.
    static func backward(dInput: UnsafeMutablePointer<Float>, dWeight: UnsafeMutablePointer<Float>, dBias: UnsafeMutablePointer<Float>,
                         dOut: UnsafePointer<Float>, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                         mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, rows: Int, width: Int) {
        for r in 0..<rows {
            let x = input + r * width, dy = dOut + r * width, dx = dInput + r * width
            let m = mean[r], s = rstd[r]
            var meanDNorm: Float = 0, meanDNormNorm: Float = 0
            for i in 0..<width {
                let norm = (x[i] - m) * s
                let dNorm = weight[i] * dy[i]
                meanDNorm += dNorm
                meanDNormNorm += dNorm * norm
            }
            meanDNorm /= Float(width)
            meanDNormNorm /= Float(width)
            for i in 0..<width {
                let norm = (x[i] - m) * s
                let dNorm = weight[i] * dy[i]
                dBias[i] += dy[i]
                dWeight[i] += norm * dy[i]
                dx[i] += (dNorm - meanDNorm - norm * meanDNormNorm) * s
            }
        }
    }
}
