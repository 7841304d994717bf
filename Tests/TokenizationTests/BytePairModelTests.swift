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
    /// with the definition.
    @Test(arguments: [(1...24, 2000), ((BytePairModel.heapThreshold + 1)...700, 40)])
    func mergesLikeTheDefinitionOnATinyAlphabet(pieces: (lengths: ClosedRange<Int>, trials: Int)) throws {
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
        let model = try BytePairModel(tokens: TokenSpellings(tokens), merges: .ranks, shortcut: .selfConsistentTokens)
        for _ in 0..<trials {
            let piece = (0..<Int.random(in: lengths, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
            var output: [UInt32] = []
            var scratch = BytePairModel.Scratch()
            piece.withUnsafeBufferPointer { model.encode($0, into: &output, &scratch) }
            let expected = Self.bruteForce(piece, ranks: ranks).map { UInt32(ranks[$0]!) }
            #expect(output == expected, "piece \(String(decoding: piece, as: UTF8.self))")
        }
    }

    /// Merges a file lists hold whatever the ids of their results: here `b c` merges before `a b`,
    /// which ranks (the results' ids) would reverse; in short pieces and in long ones.
    @Test func listedMergesHoldOverRanks() throws {
        let tokens: [[UInt8]?] = (0...255).map { [UInt8($0)] } + [Array("ab".utf8), Array("bc".utf8)]
        let model = try BytePairModel(tokens: TokenSpellings(tokens), merges: .listed(MergeTable([(98, 99, 0, 257), (97, 98, 1, 256)])),
                                      shortcut: .anyToken)
        for count in [1, BytePairModel.heapThreshold + 1] {
            let piece = Array(String(repeating: "abc", count: count).utf8)
            var output: [UInt32] = [], scratch = BytePairModel.Scratch()
            piece.withUnsafeBufferPointer { model.encode($0, into: &output, &scratch) }
            #expect(output == (0..<count).flatMap { _ in [97, 257] as [UInt32] })
        }
    }

    /// The per-thread cache of merged words serves one tokenizer at a time: here `abc` merges to
    /// `ab c` under one rank file and to `a bc` under the other, on the same thread, turn about.
    @Test func aThreadsMergeCacheIsEmptiedForAnotherTokenizer() throws {
        func rankFile(_ name: String, _ merged: [String]) -> String {
            Fixtures.temporaryFile(name, ([LoaderErrorTests.allBytes] + merged.enumerated().map { "\($1) \(256 + $0)" }).joined(separator: "\n"))
        }
        let abFirst = try Tokenizer.load(path: rankFile("ab-first.tiktoken", ["YWI=", "YmM="]), pattern: .gpt2)
        let bcFirst = try Tokenizer.load(path: rankFile("bc-first.tiktoken", ["YmM=", "YWI="]), pattern: .gpt2)
        for _ in 0..<3 {
            #expect(abFirst.encode("abc abc") == [256, 99, 32, 256, 99])
            #expect(bcFirst.encode("abc abc") == [97, 256, 32, 97, 256])
        }
    }

    /// A byte that UTF-8 text holds must have a token; C0, C1 and F5 to FF need none, since no text
    /// holds them (Pythia's GPT-NeoX-20B vocabulary lacks them).
    @Test func refusesAVocabularyWithoutAByteOfText() throws {
        let withoutA: [[UInt8]?] = (0...255).map { $0 == 0x41 ? nil : [UInt8($0)] }
        #expect(throws: TokenizerError.self) {
            try BytePairModel(tokens: TokenSpellings(withoutA), merges: .listed(MergeTable([])), shortcut: .anyToken)
        }
        let pythiaLike: [[UInt8]?] = (0...255).map { BytePairModel.neverInUTF8(UInt8($0)) ? nil : [UInt8($0)] }
        let model = try BytePairModel(tokens: TokenSpellings(pythiaLike), merges: .listed(MergeTable([])), shortcut: .anyToken)
        var output: [UInt32] = [], scratch = BytePairModel.Scratch()
        Array("A\u{FF}".utf8).withUnsafeBufferPointer { model.encode($0, into: &output, &scratch) }
        #expect(output == [0x41, 0xC3, 0xBF])
    }
}
