import SeededRandom
import Testing
@testable import InductionDetector

/// The detector against a brute-force oracle written from the definition.
@Suite struct MatchLengthTests {
    /// `m[t] = max over s < t of the common suffix length of w[...t] and w[...s]`, by dynamic
    /// programming over pairs: common[t][s] = w[t] == w[s] ? common[t-1][s-1] + 1 : 0.
    static func oracle(_ w: [UInt32]) -> [UInt8] {
        var m = [Int](repeating: 0, count: w.count)
        var previous = [Int](repeating: 0, count: w.count)
        for t in 0..<w.count {
            var current = [Int](repeating: 0, count: w.count)
            for s in 0..<t where w[s] == w[t] {
                current[s] = (s > 0 ? previous[s - 1] : 0) + 1
                m[t] = max(m[t], current[s])
            }
            previous = current
        }
        return m.map { UInt8(min($0, 255)) }
    }

    static func documentOracle(_ w: [UInt32], endOfText: UInt32) -> [UInt8] {
        var result: [UInt8] = []
        var start = 0
        for t in w.indices where w[t] == endOfText || t == w.count - 1 {
            result += oracle(Array(w[start...t]))
            start = t + 1
        }
        return result
    }

    static func check(_ w: [UInt32], endOfText: UInt32 = 0, _ comment: String = "") {
        let detector = MatchLengthDetector()
        #expect(detector.matchLengths(w, scope: .window, endOfText: endOfText) == oracle(w), "window scope \(comment)")
        #expect(detector.matchLengths(w, scope: .document, endOfText: endOfText) == documentOracle(w, endOfText: endOfText),
                "document scope \(comment)")
    }

    @Test func paperExample() {
        // The cat sat nicely The cat sat quietly
        let w: [UInt32] = [1, 2, 3, 4, 1, 2, 3, 5]
        #expect(MatchLengthDetector().matchLengths(w, scope: .window, endOfText: 0) == [0, 0, 0, 0, 1, 2, 3, 0])
    }

    @Test func randomWindows() {
        var rng = SplitMix64(seed: 1)
        for alphabet in [1, 2, 3, 4, 8, 50, 1000, 100_000] {
            for _ in 0..<30 {
                let length = Int.random(in: 1...400, using: &rng)
                let w = (0..<length).map { _ in UInt32.random(in: 0..<UInt32(alphabet), using: &rng) }
                Self.check(w, endOfText: 0, "alphabet \(alphabet) length \(length)")
            }
        }
    }

    @Test(arguments: [1024, 4096])
    func longWindows(length: Int) {
        var rng = SplitMix64(seed: UInt64(length))
        for alphabet in [2, 30, 100_000] {
            let w = (0..<length).map { _ in UInt32.random(in: 0..<UInt32(alphabet), using: &rng) }
            Self.check(w, endOfText: 1, "alphabet \(alphabet)")
        }
    }

    @Test func adversarialWindows() {
        var fibonacci: [[UInt32]] = [[0], [0, 1]]
        while fibonacci.last!.count < 3000 { fibonacci.append(fibonacci[fibonacci.count - 1] + fibonacci[fibonacci.count - 2]) }
        let cases: [(String, [UInt32])] = [
            ("one repeated token", Array(repeating: 7, count: 700)),
            ("period 2", (0..<600).map { UInt32($0 % 2) }),
            ("period 3", (0..<600).map { UInt32($0 % 3) + 5 }),
            ("period 17", (0..<900).map { UInt32($0 % 17) }),
            ("no repeats", (0..<800).map { UInt32($0 * 7 + 3) }),
            ("Fibonacci", fibonacci.last!),
            ("repeat longer than 255", Array(0..<300).map(UInt32.init) + Array(0..<300).map(UInt32.init)),
            ("large ids", (0..<500).map { UInt32.max - UInt32($0 % 13) }),
            ("single token", [42]),
            ("empty", []),
        ]
        for (name, w) in cases { Self.check(w, endOfText: 0, name) }
    }

    /// One detector over windows that grow and shrink, as a thread of `shard` uses it: nothing of a
    /// window (labels, states, hashed transitions) may leak into the next.
    @Test func oneDetectorAcrossWindows() {
        var rng = SplitMix64(seed: 7)
        let detector = MatchLengthDetector()
        for length in [300, 20, 1025, 5, 2049, 700, 1, 1500] {
            for alphabet in [3, 40, 100_000] {
                let w = (0..<length).map { _ in UInt32.random(in: 0..<UInt32(alphabet), using: &rng) }
                #expect(detector.matchLengths(w, scope: .window, endOfText: 0) == Self.oracle(w), "length \(length) alphabet \(alphabet)")
            }
        }
    }

    @Test func documentScopeStopsAtEndOfText() {
        // a b EOT a b: in window scope the second "a b" repeats; in document scope it does not.
        let w: [UInt32] = [1, 2, 0, 1, 2]
        let detector = MatchLengthDetector()
        #expect(detector.matchLengths(w, scope: .window, endOfText: 0) == [0, 0, 0, 1, 2])
        #expect(detector.matchLengths(w, scope: .document, endOfText: 0) == [0, 0, 0, 0, 0])
    }
}

@Suite struct MaskRuleTests {
    @Test func rulesFollowTheirDefinitions() {
        let m: [UInt8] = [0, 0, 0, 0, 1, 2, 3, 0]
        m.withUnsafeBufferPointer { m in
            #expect((1..<8).filter { MaskRule.hapax(n: 2).drops($0, m) } == [5, 6])
            #expect((1..<8).filter { MaskRule.hapax(n: 3).drops($0, m) } == [6])
            #expect((1..<8).filter { MaskRule.repeat.drops($0, m) } == [4, 5, 6])
            #expect((1..<8).filter { MaskRule.offset.drops($0, m) } == [5, 6, 7])
            #expect((1..<8).filter { MaskRule.none.drops($0, m) } == [])
        }
    }

    /// The counting loops, written per rule, against the rule's definition position by position.
    @Test func droppedCountsCountWhatEachRuleDrops() {
        var rng = SplitMix64(seed: 3)
        let rules: [MaskRule] = [.hapax(n: 1), .hapax(n: 2), .hapax(n: 7), .hapax(n: 255), .repeat, .offset, .none]
        for length in [0, 1, 2, 3, 17, 1025] {
            let m = (0..<length).map { _ in UInt8.random(in: 0...9, using: &rng) == 0 ? 255 : UInt8.random(in: 0...4, using: &rng) }
            m.withUnsafeBufferPointer { m in
                for rule in rules {
                    #expect(rule.droppedCount(m) == (1..<max(length, 1)).filter { rule.drops($0, m) }.count, "\(rule), length \(length)")
                }
            }
        }
    }
}

