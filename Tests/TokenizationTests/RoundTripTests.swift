import SeededRandom
import Testing
@testable import Tokenization

@Suite struct RoundTripTests {
    @Test func cl100kDecodesWhatItEncodes() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<3000 {
            let text = randomText(&rng)
            #expect(Fixtures.cl100k.decode(Fixtures.cl100k.encode(text)) == text)
        }
    }

    @Test func trainedTokenizerDecodesWhatItEncodes() throws {
        var rng = SplitMix64(seed: 11)
        let corpus = (0..<200).map { _ in randomText(&rng, maxScalars: 300) }
        let tokenizer = try Fixtures.trained(on: corpus, vocabularySize: 600)
        for _ in 0..<3000 {
            let text = randomText(&rng)
            #expect(tokenizer.decode(tokenizer.encode(text)) == text)
        }
    }

    @Test func specialTokenStringsAreOrdinaryText() {
        let ids = Fixtures.cl100k.encode("<|endoftext|>")
        #expect(!ids.contains(100257))
        #expect(Fixtures.cl100k.endOfText == 100257)
        #expect(Fixtures.cl100k.decode([100257]) == "<|endoftext|>")
        #expect(Fixtures.cl100k.vocabularySize == 100277)
    }
}
