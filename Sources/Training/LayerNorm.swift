/// LayerNorm over the last dimension (eps 1e-5), forward and backward, on `rows × width` buffers, a
/// row at a time on the element-wise kernels (`CKernels`).
enum LayerNorm {
    static let epsilon: Float = 1e-5

    static func forward(_ out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>,
                        _ input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, rows: Int, width: Int) {
        for r in 0..<rows {
            elementwise.layer_norm_forward(out + r * width, mean + r, rstd + r, input + r * width, weight, bias, width, epsilon)
        }
    }

    /// Adds to `dInput`, `dWeight`, `dBias`.
    static func backward(dInput: UnsafeMutablePointer<Float>, dWeight: UnsafeMutablePointer<Float>, dBias: UnsafeMutablePointer<Float>,
                         dOut: UnsafePointer<Float>, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                         mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, rows: Int, width: Int) {
        for r in 0..<rows {
            elementwise.layer_norm_backward(dInput + r * width, dWeight, dBias, dOut + r * width, input + r * width, weight,
                                            mean[r], rstd[r], width)
        }
    }
}
