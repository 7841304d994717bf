import SeededRandom
import Testing
@testable import Tokenization

@Suite struct TrainerTests {
    @Test func firstMergeIsTheMostFrequentPair() {
        let trainer = BPETrainer(vocabularySize: 260)
        var counts: [[UInt8]: Int] = [:]
        for text in ["abab abab", "ab cd", "cdcd"] { trainer.countPieces(of: text, into: &counts) }
        let result = trainer.train(pieceCounts: counts)
        // "ab" occurs 5 times ("abab" twice and " ab"... counted per piece), more than any other pair.
        #expect(result.merges.first.map { [$0.left, $0.right] } == [UInt32(UInt8(ascii: "a")), UInt32(UInt8(ascii: "b"))])
        #expect(result.tokens.count + 1 == 260)
    }

    @Test func stopsWhenNoPairOccursTwice() {
        let trainer = BPETrainer(vocabularySize: 1000)
        var counts: [[UInt8]: Int] = [:]
        trainer.countPieces(of: "abcdef", into: &counts)
        #expect(trainer.train(pieceCounts: counts).merges.isEmpty)
    }

    @Test func trainingIsDeterministic() {
        var rng = SplitMix64(seed: 5)
        let corpus = (0..<100).map { _ in randomText(&rng, maxScalars: 200) }
        let trainer = BPETrainer(vocabularySize: 500)
        var counts: [[UInt8]: Int] = [:]
        for text in corpus { trainer.countPieces(of: text, into: &counts) }
        let a = HuggingFaceTokenizerWriter.json(for: trainer.train(pieceCounts: counts))
        let b = HuggingFaceTokenizerWriter.json(for: trainer.train(pieceCounts: counts))
        #expect(a == b)
    }
}
