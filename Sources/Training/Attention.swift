import CKernels

/// Causal multi-head self-attention on a fused `[rows, 3·width]` buffer of queries, keys and values
/// (heads side by side within each), writing `[rows, width]`. Each (sequence, head) pair goes through
/// the attention kernels of `CKernels`, which keep the softmax probabilities for the backward pass.
enum Attention {
    /// The floats of `scratch` both passes need.
    static func scratchCount(context T: Int, width C: Int, heads: Int) -> Int { hapax_attention_scratch(T, C / heads) }

    /// `probabilities` holds `batch · heads · T · T` floats.
    static func forward(_ out: UnsafeMutablePointer<Float>, probabilities: UnsafeMutablePointer<Float>, qkv: UnsafePointer<Float>,
                        scratch: UnsafeMutablePointer<Float>, batch: Int, context T: Int, width C: Int, heads: Int) {
        let size = C / heads
        let scale = 1 / Float(size).squareRoot()
        for b in 0..<batch {
            for h in 0..<heads {
                let q = qkv + b * T * 3 * C + h * size
                elementwise.attention_forward(out + b * T * C + h * size, C, probabilities + (b * heads + h) * T * T,
                                              q, q + C, q + 2 * C, 3 * C, T, size, scale, scratch)
            }
        }
    }

    /// Adds to `dQKV`.
    static func backward(dQKV: UnsafeMutablePointer<Float>, dOut: UnsafePointer<Float>, probabilities: UnsafePointer<Float>,
                         qkv: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                         batch: Int, context T: Int, width C: Int, heads: Int) {
        let size = C / heads
        let scale = 1 / Float(size).squareRoot()
        for b in 0..<batch {
            for h in 0..<heads {
                let offset = b * T * 3 * C + h * size
                let q = qkv + offset, dq = dQKV + offset
                elementwise.attention_backward(dq, dq + C, dq + 2 * C, dOut + b * T * C + h * size, C,
                                               probabilities + (b * heads + h) * T * T, q, q + C, q + 2 * C, 3 * C, T, size, scale, scratch)
            }
        }
    }
}
