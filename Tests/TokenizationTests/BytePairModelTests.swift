import Dispatch
import Synchronization
import SeededRandom
import Testing
@testable import Tokenization

/// The merge loop against a brute-force BPE written from the definition: repeatedly merge the
/// leftmost adjacent pair whose concatenation has the lowest rank.
@Suite struct BytePairModelTests {
    static func bruteForce(_ piece: [UInt8], ranks: [[UInt8]: Int]) -> [[UInt8]] {
        var parts = piece.map { [$0] }
        while parts.count > 1 {
            var best: (rank: Int, at: Int)? = nil
            for k in 0..<(parts.count - 1) {
                if let rank = ranks[parts[k] + parts[k + 1]], best == nil || rank < best!.rank { best = (rank, k) }
            }
            guard let (_, at) = best else { break }
            parts[at] += parts.remove(at: at + 1)
        }
        return parts
    }

    /// Short pieces take the linear scan, pieces over `heapThreshold` bytes the heap; both must agree
    /// with the definition, with the derived merge table and before it is derived (a derivation held
    /// back until the end, so that every merge looks its pair's concatenation up).
    @Test(arguments: [(1...24, 2000), ((BytePairModel.heapThreshold + 1)...700, 40)], [true, false])
    func mergesLikeTheDefinitionOnATinyAlphabet(pieces: (lengths: ClosedRange<Int>, trials: Int), derived: Bool) throws {
        let (lengths, trials) = pieces
        var rng = SplitMix64(seed: 42)
        let alphabet: [UInt8] = Array("abc".utf8)
        // All 256 bytes, then random multi-byte tokens over a tiny alphabet, so merges compete.
        var tokens: [[UInt8]?] = (0...255).map { [UInt8($0)] }
        var ranks: [[UInt8]: Int] = [:]
        for (rank, token) in tokens.enumerated() { ranks[token!] = rank }
        while tokens.count < 400 {
            let token = (0..<Int.random(in: 2...5, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
            if ranks[token] == nil {
                ranks[token] = tokens.count
                tokens.append(token)
            }
        }
        let spellings = TokenSpellings(tokens)
        let gate = DispatchSemaphore(value: 0)
        defer { gate.signal() }
        let rules = derived ? MergeRules(TiktokenFile.merges(of: spellings)) : MergeRules {
            gate.wait()
            return TiktokenFile.merges(of: spellings)
        }
        let model = try BytePairModel(tokens: spellings, merges: rules, shortcut: .selfConsistentTokens)
        for _ in 0..<trials {
            let piece = (0..<Int.random(in: lengths, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
            var output: [UInt32] = []
            var scratch = BytePairModel.Scratch()
            piece.withUnsafeBufferPointer { model.encode($0, into: &output, &scratch) }
            let expected = Self.bruteForce(piece, ranks: ranks).map { UInt32(ranks[$0]!) }
            #expect(output == expected, "piece \(String(decoding: piece, as: UTF8.self))")
        }
        #expect((rules.tableIfReady != nil) == derived)
    }

    /// Merges a file lists are never looked up by concatenation, however many threads read the table
    /// at once: here `b c` merges before `a b`, which concatenation (by the results' ids) reverses.
    @Test func listedMergesHoldOnEveryThread() throws {
        let tokens: [[UInt8]?] = (0...255).map { [UInt8($0)] } + [Array("ab".utf8), Array("bc".utf8)]
        let rules = MergeRules(MergeTable([(98, 99, 0, 257), (97, 98, 1, 256)]))
        let model = try BytePairModel(tokens: TokenSpellings(tokens), merges: rules, shortcut: .anyToken)
        var rng = SplitMix64(seed: 8)
        let pieces = (0..<400).map { _ in (0..<Int.random(in: 3...12, using: &rng)).map { _ in Array("abc".utf8).randomElement(using: &rng)! } }
        @Sendable func encode(_ piece: [UInt8]) -> [UInt32] {
            var output: [UInt32] = [], scratch = BytePairModel.Scratch()
            piece.withUnsafeBufferPointer { model.encode($0, into: &output, &scratch) }
            return output
        }
        let expected = pieces.map(encode)
        #expect(expected[pieces.firstIndex { $0.starts(with: Array("abc".utf8)) }!].starts(with: [97, 257]))
        let mismatches = Atomic(0)
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<20 {
                for (piece, wanted) in zip(pieces, expected) where encode(piece) != wanted { mismatches.add(1, ordering: .relaxed) }
            }
        }
        #expect(mismatches.load(ordering: .relaxed) == 0)
    }

    @Test func refusesAVocabularyWithoutEveryByte() {
        let tokens: [[UInt8]?] = (0...254).map { [UInt8($0)] }
        #expect(throws: TokenizerError.self) {
            try BytePairModel(tokens: TokenSpellings(tokens), merges: MergeRules(MergeTable([])), shortcut: .anyToken)
        }
    }
}
