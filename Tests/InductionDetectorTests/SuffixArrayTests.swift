import SeededRandom
import Testing
@testable import InductionDetector

@Suite struct SuffixArrayTests {
    static func naive(_ s: [Int32]) -> [Int32] {
        s.indices.sorted { s[$0...].lexicographicallyPrecedes(s[$1...]) }.map(Int32.init)
    }

    @Test func matchesNaiveSorting() {
        var rng = SplitMix64(seed: 9)
        for alphabet in [1, 2, 3, 5, 40] {
            for _ in 0..<60 {
                let s = (0..<Int.random(in: 0...300, using: &rng)).map { _ in Int32.random(in: 0..<Int32(alphabet), using: &rng) }
                let sa = SuffixArray.build(s, alphabetSize: alphabet)
                #expect(sa == Self.naive(s))
                let lcp = SuffixArray.longestCommonPrefixes(s, suffixArray: sa)
                for k in 1..<max(s.count, 1) {
                    let a = s[Int(sa[k - 1])...], b = s[Int(sa[k])...]
                    #expect(Int(lcp[k]) == zip(a, b).prefix { $0 == $1 }.count)
                }
            }
        }
    }
}
