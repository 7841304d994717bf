import Foundation
import SeededRandom
import Testing
@testable import TokenEquivalence

/// The leader clustering on hand-made embeddings with known answers, and against a one-by-one oracle.
@Suite struct EmbeddingClassesTests {
    /// 2-D unit vectors at the given angles (degrees).
    static func rows(_ angles: [Double]) -> [Float] {
        angles.flatMap { [Float(cos($0 * .pi / 180)), Float(sin($0 * .pi / 180))] }
    }

    @Test func aChainOfSimilarPairsDoesNotCollapse() {
        // Neighbours 50° apart are similar (cos 0.64 ≥ 0.5); tokens two steps apart are not (cos −0.17).
        let angles = [0.0, 50, 100, 150, 200, 250]
        let classes = EmbeddingClasses.classes(rows: Self.rows(angles), count: 6, width: 2, threshold: 0.5,
                                               eligible: [Bool](repeating: true, count: 6))
        #expect(classes == [0, 0, 2, 2, 4, 4])
    }

    @Test func everyMemberIsSimilarToItsRepresentative() {
        var generator = SplitMix64(seed: 5)
        let count = 300, width = 4
        let rows = (0..<(count * width)).map { _ in Float(generator.next() >> 40) / Float(1 << 24) - 0.5 }
        let classes = EmbeddingClasses.classes(rows: rows, count: count, width: width, threshold: 0.6,
                                               eligible: [Bool](repeating: true, count: count))
        func cosine(_ a: Int, _ b: Int) -> Float {
            let x = rows[(a * width)..<((a + 1) * width)], y = rows[(b * width)..<((b + 1) * width)]
            let dot = zip(x, y).reduce(0) { $0 + $1.0 * $1.1 }
            return dot / (x.reduce(0) { $0 + $1 * $1 }.squareRoot() * y.reduce(0) { $0 + $1 * $1 }.squareRoot())
        }
        for (id, representative) in classes.enumerated() {
            #expect(cosine(id, Int(representative)) >= 0.6 - 1e-5)
            #expect(classes[Int(representative)] == representative)
        }
        #expect(Set(classes).count > 1 && Set(classes).count < count)
    }

    /// The clustering as its definition states it, one token at a time.
    static func oracle(rows: [Float], count: Int, width: Int, threshold: Float, eligible: [Bool]) -> [UInt32] {
        var classes = (0..<UInt32(count)).map { $0 }, leaders: [Int] = []
        func unit(_ i: Int) -> [Float] {
            let row = Array(rows[(i * width)..<((i + 1) * width)])
            let norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return row.map { $0 / norm }
        }
        for i in 0..<count where eligible[i] && rows[(i * width)..<((i + 1) * width)].contains(where: { $0 != 0 }) {
            let u = unit(i)
            if let leader = leaders.first(where: { zip(unit($0), u).reduce(0) { $0 + $1.0 * $1.1 } >= threshold }) {
                classes[i] = UInt32(leader)
            } else {
                leaders.append(i)
            }
        }
        return classes
    }

    @Test(arguments: [1, 3, 64, 256])
    func blocksGiveWhatTheDefinitionGives(block: Int) {
        var generator = SplitMix64(seed: UInt64(block))
        let count = 500, width = 6
        var rows = (0..<(count * width)).map { _ in Float(generator.next() >> 40) / Float(1 << 24) - 0.3 }
        for k in 0..<width { rows[7 * width + k] = 0 }
        let eligible = (0..<count).map { $0 % 11 != 3 }
        let expected = Self.oracle(rows: rows, count: count, width: width, threshold: 0.7, eligible: eligible)
        let classes = EmbeddingClasses.classes(rows: rows, count: count, width: width, threshold: 0.7, eligible: eligible, block: block)
        #expect(classes == expected)
        #expect(classes[7] == 7 && classes[3] == 3 && classes[14] == 14)
    }
}
