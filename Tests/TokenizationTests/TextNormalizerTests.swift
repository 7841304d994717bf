import Foundation
import SeededRandom
import Testing
@testable import Tokenization

/// Normalizing stretch by stretch (around the ASCII) must give what normalizing the whole text gives.
struct TextNormalizerTests {
    static let pool: [String] = [
        "a", "e", "Z", " ", "\n", "'", "1", "\u{301}", "\u{308}", "\u{323}", "\u{302}", "\u{E9}", "\u{C5}", "\u{212B}",
        "\u{FB01}", "\u{2460}", "\u{B2}", "\u{FF26}", "\u{3397}", "\u{1100}", "\u{1161}", "\u{11A8}", "\u{AC00}",
        "\u{130}", "\u{3A3}", "\u{1F88}", "\u{A0}", "\u{2002}", "\u{2000}", "\u{2019}", "\u{201C}", "\u{2014}", "\u{2026}",
        "\u{2044}", "\u{205F}", "\u{2060}", "\u{2126}", "\u{2FF}", "\u{300}", "\u{340}", "\u{1E9B}\u{323}",
        "\u{304B}", "\u{3099}", "\u{309A}", "\u{30AB}", "\u{30FB}", "\u{4E00}", "\u{9FFF}", "\u{F900}", "\u{D7A3}", "\u{1161}", "\u{1F600}", "\u{0915}\u{093C}", "\u{0F73}", "\u{FFFD}",
    ]

    /// Characters NFC leaves alone in runs of their own, and their neighbours that change that: short
    /// texts of these make runs that skip Foundation, so a wrong skip shows.
    static let edgePool: [String] = [
        "a", " ", "\u{E9}", "\u{2FF}", "\u{2019}", "\u{2000}", "\u{304B}", "\u{3099}", "\u{309A}", "\u{30FB}",
        "\u{4E00}", "\u{F900}", "\u{AC00}", "\u{1161}", "\u{11A8}", "\u{301}", "\u{323}",
    ]

    static func randomText(_ rng: inout SplitMix64, pool: [String] = pool, length: UInt64 = 40) -> String {
        (0..<Int(rng.next() % length)).map { _ in pool[Int(rng.next() % UInt64(pool.count))] }.joined()
    }

    static func whole(_ step: TextNormalizer.Step, _ text: String) -> String {
        switch step {
        case .nfc: return text.precomposedStringWithCanonicalMapping
        case .nfd: return text.decomposedStringWithCanonicalMapping
        case .nfkc: return text.precomposedStringWithCompatibilityMapping
        default: return text.decomposedStringWithCompatibilityMapping
        }
    }

    @Test(arguments: [TextNormalizer.Step.nfc, .nfd, .nfkc, .nfkd])
    func stretchesNormalizeAsTheWholeText(step: TextNormalizer.Step) {
        var rng = SplitMix64(seed: 11)
        let normalizer = TextNormalizer([step])
        for trial in 0..<6000 {
            let text = trial % 2 == 0 ? Self.randomText(&rng) : Self.randomText(&rng, pool: Self.edgePool, length: 6)
            #expect(Array(normalizer.normalize(text).unicodeScalars) == Array(Self.whole(step, text).unicodeScalars), "\(Array(text.unicodeScalars))")
        }
    }

    @Test func lowercaseMapsEachScalarWithoutContext() {
        let normalizer = TextNormalizer([.lowercase])
        #expect(normalizer.normalize("ABC \u{130}X \u{3A3}\u{39F}\u{3A3}") == "abc i\u{307}x \u{3C3}\u{3BF}\u{3C3}")
    }

    @Test func stepsApplyInOrder() {
        let normalizer = TextNormalizer([.replace("''", with: "\""), .prepend("\u{2581}"), .lowercase])
        #expect(normalizer.normalize("It''S") == "\u{2581}it\"s")
        #expect(normalizer.normalize("") == "")
        // Replacing is by bytes: the e of a decomposed é is replaced too.
        #expect(TextNormalizer([.replace("e", with: "E")]).normalize("e\u{301}") == "E\u{301}")
    }
}
