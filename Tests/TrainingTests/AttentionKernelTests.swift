import CKernels
import Foundation
import SeededRandom
import Testing

/// Every copy of the attention kernels against causal attention written out in doubles, for contexts
/// and head sizes around their tiles of 4 and 8 rows and their vectors of 8, 16 and 32 floats, on
/// strided rows as the trainer lays them out.
@Suite struct AttentionKernelTests {
    static let shapes = [(1, 1), (3, 2), (4, 8), (5, 3), (9, 16), (17, 17), (33, 32), (36, 33), (70, 64), (41, 70)]

    struct Reference {
        var p: [[Double]], out: [[Double]], dq: [[Double]], dk: [[Double]], dv: [[Double]]
    }

    /// The forward and backward steps in doubles: P = softmax(scale · QKᵀ) under the causal mask,
    /// out = PV, and the gradients of Σ out · dy.
    static func reference(q: [[Double]], k: [[Double]], v: [[Double]], dy: [[Double]], scale: Double) -> Reference {
        let T = q.count, depth = q[0].count
        let dot = { (a: [Double], b: [Double]) in zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
        var p = [[Double]](repeating: [Double](repeating: 0, count: T), count: T)
        var ds = p
        var out = [[Double]](repeating: [Double](repeating: 0, count: depth), count: T)
        var dq = out, dk = out, dv = out
        for i in 0..<T {
            let scores = (0...i).map { scale * dot(q[i], k[$0]) }
            let most = scores.max()!, e = scores.map { exp($0 - most) }, sum = e.reduce(0, +)
            for j in 0...i { p[i][j] = e[j] / sum }
            for j in 0...i { for c in 0..<depth { out[i][c] += p[i][j] * v[j][c] } }
            let dp = (0...i).map { dot(dy[i], v[$0]) }
            let weighted = (0...i).map { p[i][$0] * dp[$0] }.reduce(0, +)
            for j in 0...i { ds[i][j] = p[i][j] * (dp[j] - weighted) * scale }
            for j in 0...i {
                for c in 0..<depth {
                    dv[j][c] += p[i][j] * dy[i][c]
                    dq[i][c] += ds[i][j] * k[j][c]
                    dk[j][c] += ds[i][j] * q[i][c]
                }
            }
        }
        return Reference(p: p, out: out, dq: dq, dk: dk, dv: dv)
    }

    @Test(arguments: ElementwiseKernelTests.copies)
    func forwardAndBackwardMatchTheFormulas(name: String, kernels: hapax_kernels) {
        var rng = SplitMix64(seed: 12)
        for (T, depth) in Self.shapes {
            // Rows of the fused buffer hold q, k and v side by side with a float to spare, as heads do.
            let stride = 3 * depth + 1, outStride = depth + 2, dyStride = depth + 3
            let qkv = ElementwiseKernelTests.random(T * stride, &rng, scale: 2)
            let dy = ElementwiseKernelTests.random(T * dyStride, &rng, scale: 1)
            let scale = 1 / Float(depth).squareRoot()
            var out = [Float](repeating: .nan, count: T * outStride), p = [Float](repeating: .nan, count: T * T)
            let start = ElementwiseKernelTests.random(T * stride, &rng, scale: 1)
            var d = start
            var scratch = [Float](repeating: .nan, count: hapax_attention_scratch(T, depth))
            qkv.withUnsafeBufferPointer { qkv in
                let q = qkv.baseAddress!
                kernels.attention_forward(&out, outStride, &p, q, q + depth, q + 2 * depth, stride, T, depth, scale, &scratch)
                d.withUnsafeMutableBufferPointer { d in
                    let dq = d.baseAddress!
                    kernels.attention_backward(dq, dq + depth, dq + 2 * depth, dy, dyStride, p, q, q + depth, q + 2 * depth,
                                               stride, T, depth, scale, &scratch)
                }
            }
            let rows = { (buffer: [Float], rowStride: Int, offset: Int) in
                (0..<T).map { i in (0..<depth).map { Double(buffer[i * rowStride + offset + $0]) } }
            }
            let wanted = Self.reference(q: rows(qkv, stride, 0), k: rows(qkv, stride, depth), v: rows(qkv, stride, 2 * depth),
                                        dy: rows(dy, dyStride, 0), scale: Double(scale))
            let label = "\(name), context \(T), depth \(depth)"
            for i in 0..<T {
                for j in 0...i { #expect(abs(Double(p[i * T + j]) - wanted.p[i][j]) <= 1e-5, "\(label): p[\(i)][\(j)]") }
                for c in 0..<depth {
                    #expect(abs(Double(out[i * outStride + c]) - wanted.out[i][c]) <= 1e-4, "\(label): out[\(i)][\(c)]")
                    for (part, gradient) in [(0, wanted.dq), (1, wanted.dk), (2, wanted.dv)] {
                        let index = i * stride + part * depth + c
                        #expect(abs(Double(d[index] - start[index]) - gradient[i][c]) <= 1e-4, "\(label): part \(part), [\(i)][\(c)]")
                    }
                }
                // Between heads and past the last, nothing is written.
                #expect(out[i * outStride + depth].isNaN && d[i * stride + 3 * depth] == start[i * stride + 3 * depth], "\(label): row \(i)")
            }
        }
    }
}
