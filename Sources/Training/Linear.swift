/// A fully connected layer `out = input · weightᵀ + bias`, with `weight` stored `[outputs, inputs]`
/// (PyTorch's nn.Linear layout).
enum Linear {
    static func forward(_ out: UnsafeMutablePointer<Float>, _ input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                        bias: UnsafePointer<Float>?, rows: Int, inputs: Int, outputs: Int) {
        gemm(false, true, m: rows, n: outputs, k: inputs, input, inputs, weight, inputs, out, outputs)
        if let bias {
            for r in 0..<rows {
                let y = out + r * outputs
                for o in 0..<outputs { y[o] += bias[o] }
            }
        }
    }

    /// Adds to `dInput` (when given), `dWeight` and `dBias`.
    static func backward(dInput: UnsafeMutablePointer<Float>?, dWeight: UnsafeMutablePointer<Float>, dBias: UnsafeMutablePointer<Float>?,
                         dOut: UnsafePointer<Float>, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                         rows: Int, inputs: Int, outputs: Int) {
        if let dInput {
            gemm(false, false, m: rows, n: inputs, k: outputs, dOut, outputs, weight, inputs, beta: 1, dInput, inputs)
        }
        gemm(true, false, m: outputs, n: inputs, k: rows, dOut, outputs, input, inputs, beta: 1, dWeight, inputs)
        if let dBias {
            for r in 0..<rows {
                let dy = dOut + r * outputs
                for o in 0..<outputs { dBias[o] += dy[o] }
            }
        }
    }
}
