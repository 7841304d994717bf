import CKernels
import Foundation
import SeededRandom
import Testing
@testable import Training

/// The copies of the element-wise kernels against libm and the formulas in doubles, on rows of every
/// length around the eight and sixteen lanes.
@Suite struct ElementwiseKernelTests {
    /// Every copy this processor runs (a copy it cannot run is not tested here: on x86-64, the
    /// portable copy's arithmetic is the same as the others', on half or a quarter of the lanes).
    static let copies = ["portable", "avx2", "avx512"].compactMap { (name: String) in hapax_kernels_named(name).map { (name, $0.pointee) } }
    static let lengths = Array(1...20) + [31, 33, 64, 100, 257]

    static func random(_ count: Int, _ rng: inout SplitMix64, scale: Float) -> [Float] {
        (0..<count).map { _ in (Float(rng.next() % 2_000_001) / 1_000_000 - 1) * scale }
    }

    @Test(arguments: copies)
    func exponentialMatchesLibm(name: String, kernels: hapax_kernels) {
        var row = (0..<20_000).map { -87 + Float($0) * (175 / 20_000) }
        let exact = row.map { expf($0) }
        _ = kernels.exponentiate(&row, row.count, 0)
        let worst = zip(row, exact).map { abs($0 - $1) / $1 }.max()!
        #expect(worst < 5e-7, "\(name): worst relative error \(worst)")
        var far: [Float] = [-1000]
        _ = kernels.exponentiate(&far, 1, 0)
        #expect(far[0] < 1e-37, "\(name)")
    }

    @Test(arguments: copies)
    func softmaxStepsOnRowsOfAnyLength(name: String, kernels: hapax_kernels) {
        var rng = SplitMix64(seed: 9)
        for count in Self.lengths {
            var row = Self.random(count, &rng, scale: 6)
            let maximum = kernels.maximum(row, count)
            #expect(maximum == row.max()!, "\(name), \(count)")
            let expected = row.map { exp(Double($0 - maximum)) }
            let sum = kernels.exponentiate(&row, count, maximum)
            #expect(abs(Double(sum) - expected.reduce(0, +)) <= 1e-6 * Double(sum), "\(name), \(count)")
            #expect(zip(row, expected).allSatisfy { abs(Double($0) - $1) <= 1e-6 * $1 }, "\(name), \(count)")
            kernels.scale(&row, count, 1 / sum)
            #expect(abs(row.reduce(0, +) - 1) < 1e-5, "\(name), \(count)")

            var gradient = Self.random(count, &rng, scale: 1)
            let dot = zip(row, gradient).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            let wanted = zip(row, gradient).map { 0.5 * Double($0) * (Double($1) - dot) }
            kernels.softmax_backward(&gradient, row, count, 0.5)
            #expect(zip(gradient, wanted).allSatisfy { abs(Double($0) - $1) <= 1e-6 }, "\(name), \(count)")
        }
    }

    @Test(arguments: copies)
    func geluAndItsDerivative(name: String, kernels: hapax_kernels) {
        var rng = SplitMix64(seed: 4)
        func gelu(_ x: Double) -> Double { 0.5 * x * (1 + tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x))) }
        for count in Self.lengths {
            let x = Self.random(count, &rng, scale: 5), dOut = Self.random(count, &rng, scale: 1)
            var y = [Float](repeating: .nan, count: count)
            kernels.gelu_forward(&y, x, count)
            #expect(zip(x, y).allSatisfy { abs(Double($1) - gelu(Double($0))) <= 1e-6 * max(1, abs(Double($0))) }, "\(name), \(count)")
            let start = Self.random(count, &rng, scale: 1)
            var dIn = start
            kernels.gelu_backward(&dIn, x, dOut, count)
            for j in 0..<count {
                let h = 1e-4, derivative = (gelu(Double(x[j]) + h) - gelu(Double(x[j]) - h)) / (2 * h)
                #expect(abs(Double(dIn[j]) - (Double(start[j]) + derivative * Double(dOut[j]))) <= 1e-5, "\(name), \(count), \(j)")
            }
        }
    }

    @Test(arguments: copies)
    func layerNormAgainstItsFormulaInDoubles(name: String, kernels: hapax_kernels) {
        var rng = SplitMix64(seed: 6)
        for width in Self.lengths {
            let x = Self.random(width, &rng, scale: 3).map { $0 + 1.5 }, weight = Self.random(width, &rng, scale: 2)
            let bias = Self.random(width, &rng, scale: 1), dOut = Self.random(width, &rng, scale: 1)
            let xs = x.map(Double.init), m = xs.reduce(0, +) / Double(width)
            let s = 1 / (xs.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(width) + 1e-5).squareRoot()
            let norm = xs.map { ($0 - m) * s }
            var y = [Float](repeating: .nan, count: width), mean: Float = .nan, rstd: Float = .nan
            kernels.layer_norm_forward(&y, &mean, &rstd, x, weight, bias, width, 1e-5)
            #expect(abs(Double(mean) - m) <= 1e-6 * max(1, abs(m)) && abs(Double(rstd) - s) <= 1e-5 * s, "\(name), \(width)")
            #expect((0..<width).allSatisfy { abs(Double(y[$0]) - (norm[$0] * Double(weight[$0]) + Double(bias[$0]))) <= 1e-5 }, "\(name), \(width)")

            // The gradient of the input as the formula gives it, added to what the buffers held.
            let dNorm = (0..<width).map { Double(weight[$0]) * Double(dOut[$0]) }
            let meanDNorm = dNorm.reduce(0, +) / Double(width)
            let meanDNormNorm = zip(dNorm, norm).map(*).reduce(0, +) / Double(width)
            let start = (Self.random(width, &rng, scale: 1), Self.random(width, &rng, scale: 1), Self.random(width, &rng, scale: 1))
            var (dX, dWeight, dBias) = start
            kernels.layer_norm_backward(&dX, &dWeight, &dBias, dOut, x, weight, mean, rstd, width)
            for j in 0..<width {
                let wanted = Double(start.0[j]) + (dNorm[j] - meanDNorm - norm[j] * meanDNormNorm) * s
                #expect(abs(Double(dX[j]) - wanted) <= 1e-5 * max(1, s), "\(name), \(width), \(j)")
                #expect(abs(Double(dWeight[j]) - (Double(start.1[j]) + norm[j] * Double(dOut[j]))) <= 1e-5, "\(name), \(width), \(j)")
                #expect(dBias[j] == start.2[j] + dOut[j], "\(name), \(width), \(j)")
            }
        }
    }
}
