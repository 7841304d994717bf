/// GELU, tanh approximation (GPT-2's): `0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³)))`, on the
/// element-wise kernels (`CKernels`).
enum GELU {
    static func forward(_ out: UnsafeMutablePointer<Float>, _ input: UnsafePointer<Float>, count: Int) {
        elementwise.gelu_forward(out, input, count)
    }

    /// Adds to `dInput`.
    static func backward(dInput: UnsafeMutablePointer<Float>, _ input: UnsafePointer<Float>, dOut: UnsafePointer<Float>, count: Int) {
        elementwise.gelu_backward(dInput, input, dOut, count)
    }
}
