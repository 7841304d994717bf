import Foundation

/// GELU, tanh approximation (GPT-2's): `0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³)))`.
enum GELU {
    static let scale: Float = (2 / Float.pi).squareRoot()

    /// tanh through one `expf`: libm's `tanhf` goes through `expm1f` for relative accuracy near zero,
    /// which GELU does not need (it adds 1), and cost a sixth of a training step.
    @inline(__always)
    static func tanh(_ u: Float) -> Float { 1 - 2 / (1 + expf(2 * u)) }

    static func forward(_ out: UnsafeMutablePointer<Float>, _ input: UnsafePointer<Float>, count: Int) {
        for i in 0..<count {
            let x = input[i]
            out[i] = 0.5 * x * (1 + tanh(scale * (x + 0.044715 * x * x * x)))
        }
    }

    /// Adds to `dInput`.
    static func backward(dInput: UnsafeMutablePointer<Float>, _ input: UnsafePointer<Float>, dOut: UnsafePointer<Float>, count: Int) {
        for i in 0..<count {
            let x = input[i]
            let u = scale * (x + 0.044715 * x * x * x)
            let t = tanh(u)
            let sech2 = 1 - t * t
            let local = 0.5 * (1 + t) + 0.5 * x * sech2 * scale * (1 + 3 * 0.044715 * x * x)
            dInput[i] += local * dOut[i]
        }
    }
}
