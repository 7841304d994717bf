/// GELU, tanh approximation (GPT-2's): `0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³)))`, eight lanes at
/// a time, tanh through one exponential (GELU adds 1 to it, so the cancellation near zero that libm's
/// `tanhf` avoids at a high price does not matter here).
enum GELU {
    static let scale: Float = (2 / Float.pi).squareRoot()

    @inline(__always)
    static func tanh(_ u: SIMD8<Float>) -> SIMD8<Float> { 1 - 2 / (1 + Softmax.exp(2 * u)) }

    @inline(__always)
    static func forward(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let inner: SIMD8<Float> = scale * (x + 0.044715 * x * x * x)
        return 0.5 * x * (1 + tanh(inner))
    }

    /// d GELU / dx.
    @inline(__always)
    static func derivative(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let x2 = x * x
        let t = tanh(scale * (x + 0.044715 * x2 * x))
        let slope: SIMD8<Float> = scale * (1 + 3 * 0.044715 * x2)
        let half: SIMD8<Float> = 0.5 * (1 + t)
        return half + 0.5 * x * (1 - t * t) * slope
    }

    static func forward(_ out: UnsafeMutablePointer<Float>, _ input: UnsafePointer<Float>, count: Int) {
        eightAtATime(count) { at, lanes in
            let x = load(input, at, lanes)
            store(forward(x), out, at, lanes)
        }
    }

    /// Adds to `dInput`.
    static func backward(dInput: UnsafeMutablePointer<Float>, _ input: UnsafePointer<Float>, dOut: UnsafePointer<Float>, count: Int) {
        eightAtATime(count) { at, lanes in
            let x = load(input, at, lanes), dy = load(dOut, at, lanes)
            store(load(dInput, at, lanes) + derivative(x) * dy, dInput, at, lanes)
        }
    }

    /// Calls `body` with every start of eight elements, the last one possibly shorter (`lanes` < 8).
    @inline(__always)
    private static func eightAtATime(_ count: Int, _ body: (Int, Int) -> Void) {
        var at = 0
        while at < count {
            body(at, min(8, count - at))
            at += 8
        }
    }

    @inline(__always)
    private static func load(_ pointer: UnsafePointer<Float>, _ at: Int, _ lanes: Int) -> SIMD8<Float> {
        if lanes == 8 { return UnsafeRawPointer(pointer + at).loadUnaligned(as: SIMD8<Float>.self) }
        var result = SIMD8<Float>(repeating: 0)
        for lane in 0..<lanes { result[lane] = pointer[at + lane] }
        return result
    }

    @inline(__always)
    private static func store(_ value: SIMD8<Float>, _ pointer: UnsafeMutablePointer<Float>, _ at: Int, _ lanes: Int) {
        if lanes == 8 { return UnsafeMutableRawPointer(pointer + at).storeBytes(of: value, as: SIMD8<Float>.self) }
        for lane in 0..<lanes { pointer[at + lane] = value[lane] }
    }
}
