/// Softmax building blocks over float rows, eight lanes at a time. `expf` from libm is a call per
/// element; the LM head's softmax over the vocabulary alone took a tenth of a training step with it.
enum Softmax {
    private static let log2e: Float = 1.442_695_04
    private static let ln2High: Float = 0.693_145_75
    private static let ln2Low: Float = 1.428_606_8e-6

    /// e^x per lane: x = k·ln 2 + r with |r| ≤ ln 2 / 2, e^r by its Taylor polynomial of degree 7
    /// (relative error below 2e-7 there), 2^k through the exponent bits. Inputs below -87 give
    /// about 1e-38 instead of underflowing, which a softmax sum cannot tell from zero.
    ///
    /// k is rounded by adding 1.5 · 2^23, which leaves it in the low mantissa bits: generic SIMD
    /// float-to-integer conversions go lane by lane through slow paths.
    @inline(__always)
    static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let clamped = larger(smaller(x, SIMD8(repeating: 88)), SIMD8(repeating: -87))
        let shifted = clamped * log2e + 12_582_912
        let k = shifted - 12_582_912
        let r = clamped - k * ln2High - k * ln2Low
        var p = SIMD8<Float>(repeating: 1 / 5040)
        p = p * r + 1 / 720
        p = p * r + 1 / 120
        p = p * r + 1 / 24
        p = p * r + 1 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        let integerK = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000
        return p * unsafeBitCast((integerK &+ 127) &<< 23, to: SIMD8<Float>.self)
    }

    /// Lane by lane, the larger and the smaller of `a` and `b`: the standard library's `pointwiseMax`
    /// and `pointwiseMin` are not inlined, and their calls took a twentieth of a training step.
    @inline(__always)
    static func larger(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { a.replacing(with: b, where: a .< b) }

    @inline(__always)
    static func smaller(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { a.replacing(with: b, where: b .< a) }

    @inline(__always)
    static func exp(_ x: Float) -> Float { exp(SIMD8(repeating: x))[0] }

    /// The largest of `row[0 ..< count]`.
    static func maximum(_ row: UnsafePointer<Float>, count: Int) -> Float {
        var lanes = SIMD8<Float>(repeating: -.infinity)
        var j = 0
        let raw = UnsafeRawPointer(row)
        while j + 8 <= count {
            lanes = larger(lanes, raw.loadUnaligned(fromByteOffset: 4 * j, as: SIMD8<Float>.self))
            j += 8
        }
        var result = lanes.max()
        while j < count {
            result = max(result, row[j])
            j += 1
        }
        return result
    }

    /// Replaces `row[j]` by `e^(row[j] - shift)` for j < count and returns their sum.
    static func exponentiate(_ row: UnsafeMutablePointer<Float>, count: Int, shift: Float) -> Float {
        var sums = SIMD8<Float>(repeating: 0)
        let raw = UnsafeMutableRawPointer(row)
        var j = 0
        while j + 8 <= count {
            let e = exp(raw.loadUnaligned(fromByteOffset: 4 * j, as: SIMD8<Float>.self) - shift)
            raw.storeBytes(of: e, toByteOffset: 4 * j, as: SIMD8<Float>.self)
            sums += e
            j += 8
        }
        var sum = sums.sum()
        while j < count {
            row[j] = exp(row[j] - shift)
            sum += row[j]
            j += 1
        }
        return sum
    }

    /// Multiplies `row[0 ..< count]` by `factor`.
    static func scale(_ row: UnsafeMutablePointer<Float>, count: Int, by factor: Float) {
        for j in 0..<count { row[j] *= factor }
    }
}
