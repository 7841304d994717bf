import Foundation

/// Causal multi-head self-attention on a fused `[rows, 3·width]` buffer of queries, keys and values
/// (heads side by side within each), writing `[rows, width]`. Each (sequence, head) pair is a few
/// matrix products over strided views of that buffer; the softmax probabilities are kept for the
/// backward pass.
///
/// Queries go in blocks of `block` rows, and a block's products stop at its last row's position: the
/// causal mask zeroes everything to the right, so computing it would be wasted (about 40% of the work
/// at 256 tokens). Probability and score entries right of a block's extent are never read.
enum Attention {
    static let block = 64

    /// `probabilities` holds `batch · heads · T · T` floats.
    static func forward(_ out: UnsafeMutablePointer<Float>, probabilities: UnsafeMutablePointer<Float>,
                        qkv: UnsafePointer<Float>, batch: Int, context T: Int, width C: Int, heads: Int) {
        let size = C / heads
        let scale = 1 / Float(size).squareRoot()
        for b in 0..<batch {
            for h in 0..<heads {
                let q = qkv + b * T * 3 * C + h * size, k = q + C, v = q + 2 * C
                let p = probabilities + (b * heads + h) * T * T
                let y = out + b * T * C + h * size
                for first in stride(from: 0, to: T, by: block) {
                    let rows = min(block, T - first), extent = first + rows
                    gemm(false, true, m: rows, n: extent, k: size, alpha: scale, q + first * 3 * C, 3 * C, k, 3 * C, p + first * T, T)
                    for i in first..<extent {
                        let row = p + i * T
                        let sum = Softmax.exponentiate(row, count: i + 1, shift: Softmax.maximum(row, count: i + 1))
                        Softmax.scale(row, count: i + 1, by: 1 / sum)
                        for j in (i + 1)..<extent { row[j] = 0 }
                    }
                    gemm(false, false, m: rows, n: size, k: extent, p + first * T, T, v, 3 * C, y + first * C, C)
                }
            }
        }
    }

    /// Adds to `dQKV`; `scratch` holds `T · T` floats.
    static func backward(dQKV: UnsafeMutablePointer<Float>, dOut: UnsafePointer<Float>, probabilities: UnsafePointer<Float>,
                         qkv: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                         batch: Int, context T: Int, width C: Int, heads: Int) {
        let size = C / heads
        let scale = 1 / Float(size).squareRoot()
        for b in 0..<batch {
            for h in 0..<heads {
                let offset = b * T * 3 * C + h * size
                let q = qkv + offset, k = q + C, v = q + 2 * C
                let dq = dQKV + offset, dk = dq + C, dv = dq + 2 * C
                let p = probabilities + (b * heads + h) * T * T
                let dy = dOut + b * T * C + h * size
                let ds = scratch
                for first in stride(from: 0, to: T, by: block) {
                    let rows = min(block, T - first), extent = first + rows
                    let pBlock = p + first * T, dsBlock = ds + first * T
                    gemm(false, true, m: rows, n: extent, k: size, dy + first * C, C, v, 3 * C, dsBlock, T)
                    gemm(true, false, m: extent, n: size, k: rows, pBlock, T, dy + first * C, C, beta: 1, dv, 3 * C)
                    for i in first..<extent {
                        let drow = ds + i * T
                        Softmax.backward(drow, probabilities: p + i * T, count: i + 1, factor: scale)
                        for j in (i + 1)..<extent { drow[j] = 0 }
                    }
                    gemm(false, false, m: rows, n: size, k: extent, dsBlock, T, k, 3 * C, beta: 1, dq + first * 3 * C, 3 * C)
                    gemm(true, false, m: extent, n: size, k: rows, dsBlock, T, q + first * 3 * C, 3 * C, beta: 1, dk, 3 * C)
                }
            }
        }
    }
}
