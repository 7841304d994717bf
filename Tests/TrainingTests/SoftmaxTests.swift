import Foundation
import Testing
@testable import Training

@Suite struct SoftmaxTests {
    @Test func vectorExpMatchesLibm() {
        var worst: Float = 0
        for i in 0..<20_000 {
            let x = -87 + Float(i) * (175 / 20_000)
            let exact = expf(x), approximate = Softmax.exp(x)
            worst = max(worst, abs(approximate - exact) / exact)
        }
        #expect(worst < 5e-7, "worst relative error \(worst)")
        #expect(Softmax.exp(-1000) < 1e-37)
    }

    @Test func rowsOfAnyLength() {
        for count in [1, 7, 8, 9, 31, 100] {
            var row = (0..<count).map { Float($0 % 13) * 0.7 - 3 }
            let expected = row.map { expf($0 - row.max()!) }
            let maximum = Softmax.maximum(row, count: count)
            #expect(maximum == row.max()!)
            let sum = row.withUnsafeMutableBufferPointer { Softmax.exponentiate($0.baseAddress!, count: count, shift: maximum) }
            #expect(abs(sum - expected.reduce(0, +)) <= 1e-5 * sum)
            #expect(zip(row, expected).allSatisfy { abs($0 - $1) <= 1e-6 * max($1, 1e-30) + 1e-37 })
        }
    }
}
