import SeededRandom
import Testing
@testable import Tokenization

/// Readable examples of what each pattern does; exhaustive parity with the regex module lives in
/// Tests/parity.
@Suite struct PreTokenizerTests {
    @Test func theWhiteSpaceClassIsUnicodesProperty() {
        for value in UInt32(0)...0x10FFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let whitespace = CharacterClass.of(value, basicPlane: CharacterClass.basicPlane).contains(.whitespace)
            #expect(whitespace == scalar.properties.isWhitespace, "U+\(String(value, radix: 16))")
        }
    }

    /// Unicode 17.0 made these numbers; the oracles' engines, on Unicode 16.0, see no class in them,
    /// and Swift 6.3's tables had cut them as numbers (Tests/parity/test_codepoint_sweep.py sweeps
    /// every code point).
    @Test func classesFollowTheOraclesUnicodeVersion() {
        #expect(CharacterClass.unicodeVersion == "16.0")
        for value: UInt32 in [0x11DE0, 0x11DE9, 0x16FF4, 0x16FF6, 0x10940] {
            #expect(CharacterClass.of(value, basicPlane: CharacterClass.basicPlane).isEmpty, "U+\(String(value, radix: 16))")
        }
        #expect(PreTokenizer.tekken.pieces(of: "a\u{11DE0}\u{11DE1}") == ["a", "\u{11DE0}\u{11DE1}"])
        #expect(CharacterClass.of(0x1D7CE, basicPlane: CharacterClass.basicPlane) == .number)
        #expect(CharacterClass.of(0x10FFFF, basicPlane: CharacterClass.basicPlane).isEmpty)
    }

    @Test func gpt2KeepsContractionsCaseSensitive() {
        #expect(PreTokenizer.gpt2.pieces(of: "it's IT'S") == ["it", "'s", " IT", "'", "S"])
    }

    @Test func cl100kContractionsIgnoreCaseAndNumbersComeInThrees() {
        #expect(PreTokenizer.cl100k.pieces(of: "IT'S 12345") == ["IT", "'S", " ", "123", "45"])
    }

    @Test func whitespaceBeforeAWordLeavesOneSpaceToTheWord() {
        for pattern in PreTokenizer.allCases where pattern != .metaspace {
            #expect(pattern.pieces(of: "a   b") == ["a", "  ", " b"], "\(pattern)")
        }
    }

    @Test func metaspaceCutsBeforeEachSpaceSymbol() {
        #expect(PreTokenizer.metaspace.pieces(of: "a▁▁b▁c") == ["a", "▁", "▁b", "▁c"])
        #expect(PreTokenizer.metaspace.pieces(of: "▁") == ["▁"])
    }

    @Test func trailingWhitespaceAfterANewline() {
        // cl100k's `\s++$` takes the whole run at the end of the text; o200k stops after the newline.
        #expect(PreTokenizer.cl100k.pieces(of: "x\n  ") == ["x", "\n  "])
        #expect(PreTokenizer.o200k.pieces(of: "x\n  ") == ["x", "\n", "  "])
    }

    @Test func o200kSplitsCamelCase() {
        #expect(PreTokenizer.o200k.pieces(of: "HTTPServer isReady") == ["HTTPServer", " is", "Ready"])
    }

    @Test func piecesTileTheText() {
        var rng = SplitMix64(seed: 3)
        for _ in 0..<500 {
            let text = randomText(&rng)
            for pattern in PreTokenizer.allCases {
                #expect(pattern.pieces(of: text).joined() == text)
            }
        }
    }
}
