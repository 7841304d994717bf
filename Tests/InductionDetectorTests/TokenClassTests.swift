import SeededRandom
import Testing
@testable import InductionDetector

/// Match lengths over token classes against a brute-force oracle that compares class labels.
@Suite struct TokenClassTests {
    /// The definition with equality replaced by "same class": common[t][s] grows while classes agree.
    static func oracle(_ w: [UInt32], _ classes: [UInt32]) -> [UInt8] {
        var m = [Int](repeating: 0, count: w.count), previous = [Int](repeating: 0, count: w.count)
        for t in w.indices {
            var current = [Int](repeating: 0, count: w.count)
            for s in 0..<t where classes[Int(w[s])] == classes[Int(w[t])] {
                current[s] = (s > 0 ? previous[s - 1] : 0) + 1
                m[t] = max(m[t], current[s])
            }
            previous = current
        }
        return m.map { UInt8(min($0, 255)) }
    }

    @Test func aRepeatThroughSimilarTokensCounts() {
        // "The cat sat" then "the Cat sat": ids 0 The, 1 cat, 2 sat, 3 the, 4 Cat; 3 ~ 0 and 4 ~ 1.
        let classes = TokenClasses(classes: [0, 1, 2, 0, 1])
        let window: [UInt32] = [0, 1, 2, 3, 4, 2]
        #expect(MatchLengthDetector().matchLengths(window, scope: .window, endOfText: 99, classes: classes) == [0, 0, 0, 1, 2, 3])
        #expect(MatchLengthDetector().matchLengths(window, scope: .window, endOfText: 99, classes: nil) == [0, 0, 0, 0, 0, 1])
    }

    @Test func randomWindowsAndClassMapsAgreeWithTheOracle() {
        var generator = SplitMix64(seed: 17)
        let detector = MatchLengthDetector()
        for trial in 0..<300 {
            let vocabulary = 2 + Int(generator.next() % 40)
            // Each id joins the class of a random smaller id, or its own.
            var map = [UInt32](repeating: 0, count: vocabulary)
            for id in 0..<vocabulary { map[id] = generator.next() % 3 == 0 || id == 0 ? UInt32(id) : map[Int(generator.next() % UInt64(id))] }
            let length = 1 + Int(generator.next() % 300)
            let window = (0..<length).map { _ in UInt32(generator.next() % UInt64(vocabulary)) }
            let got = detector.matchLengths(window, scope: .window, endOfText: UInt32(vocabulary), classes: TokenClasses(classes: map))
            #expect(got == Self.oracle(window, map), "trial \(trial)")
            // Over the identity map it is exact matching.
            let identity = TokenClasses(classes: (0..<UInt32(vocabulary)).map { $0 })
            #expect(detector.matchLengths(window, scope: .window, endOfText: 0, classes: identity)
                    == detector.matchLengths(window, scope: .window, endOfText: 0))
        }
    }

    @Test func documentScopeCutsAtEndOfTextOverClasses() {
        // End of text (5) is alone in its class; 1 and 2 are one class.
        let classes = TokenClasses(classes: [0, 1, 1, 3, 4, 5])
        let window: [UInt32] = [1, 3, 5, 2, 3, 1, 3]
        let got = MatchLengthDetector().matchLengths(window, scope: .document, endOfText: 5, classes: classes)
        #expect(got == [0, 0, 0, 0, 0, 1, 2])
    }
}
