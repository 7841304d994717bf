import CKernels

/// The element-wise kernels (`CKernels`) in the copy this processor runs fastest: AVX2 with FMA where
/// it has them.
let elementwise = hapax_kernels_fastest().pointee

/// The softmax's steps over float rows. `expf` from libm is a call per element; the LM head's softmax
/// over the vocabulary alone took a tenth of a training step with it, so the kernels compute e^x with
/// a polynomial, eight lanes at a time.
enum Softmax {
    /// The largest of `row[0 ..< count]`.
    static func maximum(_ row: UnsafePointer<Float>, count: Int) -> Float { elementwise.maximum(row, count) }

    /// Replaces `row[j]` by `e^(row[j] - shift)` for j < count and returns their sum.
    static func exponentiate(_ row: UnsafeMutablePointer<Float>, count: Int, shift: Float) -> Float {
        elementwise.exponentiate(row, count, shift)
    }

    /// Multiplies `row[0 ..< count]` by `factor`.
    static func scale(_ row: UnsafeMutablePointer<Float>, count: Int, by factor: Float) { elementwise.scale(row, count, factor) }

    /// With `probabilities` a softmax's output and `gradient` the gradient of its outputs, replaces
    /// the latter by `factor` times the gradient of its inputs.
    static func backward(_ gradient: UnsafeMutablePointer<Float>, probabilities: UnsafePointer<Float>, count: Int, factor: Float) {
        elementwise.softmax_backward(gradient, probabilities, count, factor)
    }
}
