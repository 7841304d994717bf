import Testing
@testable import Tokenization

/// The pre-tokenizers without a scanner cut as Hugging Face `tokenizers` 0.22 cuts: the expected
/// pieces are its `pre_tokenize_str`'s (Tests/parity/test_pre_tokenizers.py checks whole files).
@Suite struct PieceCutterTests {
    func pieces(_ cutter: PieceCutter, _ text: String) -> [String] {
        var result: [String] = []
        var text = text
        text.withUTF8 { bytes in
            cutter.forEachPiece(of: bytes) { range in
                result.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self))
            }
        }
        return result
    }

    @Test(arguments: [
        (SplitBehavior.removed, false, ["a", "b", "c"]), (.removed, true, ["--", "-"]),
        (.isolated, false, ["a", "--", "b", "-", "c"]), (.isolated, true, ["a", "--", "b", "-", "c"]),
        (.mergedWithPrevious, false, ["a--", "b-", "c"]), (.mergedWithPrevious, true, ["a", "--b", "-c"]),
        (.mergedWithNext, false, ["a", "--b", "-c"]), (.mergedWithNext, true, ["a--", "b-", "c"]),
        (.contiguous, false, ["a", "--", "b", "-", "c"]), (.contiguous, true, ["a", "--", "b", "-", "c"]),
    ])
    func everyBehaviorWithAndWithoutInvert(behavior: SplitBehavior, invert: Bool, expected: [String]) throws {
        let regex = try OnigurumaRegex("-+|x*", place: "test")
        #expect(pieces(.split(regex, behavior, invert: invert), "a--b-c") == expected)
    }

    /// After an empty match the search moves on one character; an empty match right after a
    /// non-empty one is not a match (the `onig` crate's `find_iter`).
    @Test func emptyMatchesAsTheOnigCrateFindsThem() throws {
        var matches: [Range<Int>] = []
        var text = "axxb"
        text.withUTF8 { bytes in try! OnigurumaRegex("x*", place: "test").forEachMatch(in: bytes) { matches.append($0) } }
        #expect(matches == [0..<0, 1..<3, 4..<4])
        #expect(pieces(.split(try OnigurumaRegex("x*", place: "test"), .isolated, invert: false), "axxb") == ["a", "xx", "b"])
    }

    @Test func aStringMatchesAsItIs() throws {
        #expect(pieces(.split(try OnigurumaRegex(literal: "(.)", place: "test"), .removed, invert: false), "a(.)b(c)") == ["a", "b(c)"])
    }

    /// A cut where the script changes; kana are Han; the space and characters new after Unicode 9.0
    /// (U+1FA70) have no script and join the piece before, or are dropped at the start.
    @Test(arguments: [
        ("どこで生れ。Yes", ["どこで生れ", "。", "Yes"]), ("Apples are りんご 林檎", ["Apples are ", "りんご 林檎"]),
        (" abc", ["abc"]), ("  ", []), ("\u{1FA70}ab", ["ab"]), ("a\u{200D}b 🇫🇷 x", ["a", "\u{200D}", "b ", "🇫🇷 ", "x"]),
    ])
    func unicodeScripts(text: String, expected: [String]) {
        #expect(pieces(.unicodeScripts, text) == expected)
    }

    /// Whitespace's `\w` holds the zero-width joiner; Punctuation's categories predate Unicode 14
    /// (U+061D and U+2E43 are not punctuation to it, U+166D still is).
    @Test func charactersAsTokenizersTestsThem() {
        let whitespace: [PieceCutter] = [.characters(.whitespace, .removed), .characters(.word, .contiguous)]
        let text = "a\u{200D}b 👨\u{200D}👩 x_y1!?"
        #expect(pieces(whitespace[0], text).flatMap { pieces(whitespace[1], $0) } == ["a\u{200D}b", "👨", "\u{200D}", "👩", "x_y1", "!?"])
        #expect(pieces(.characters(.punctuation, .isolated), "\u{061D}\u{2E43}\u{166D}") == ["\u{061D}\u{2E43}", "\u{166D}"])
    }

    @Test func digitsBertAndTheByteLevelSpelling() {
        #expect(pieces(.characters(.numeric, .contiguous), "a12b3") == ["a", "12", "b", "3"])
        #expect(pieces(.characters(.whitespace, .removed), " Hi, there!x ").flatMap { pieces(.characters(.punctuation, .isolated), $0) }
                == ["Hi", ",", "there", "!", "x"])
        // β is CE B2, and the byte-level alphabet spells B2 as ², a numeric character.
        var ranges: [Range<Int>] = []
        var text = " β2"
        text.withUTF8 { PieceCutter.inByteLevelAlphabet(.characters(.numeric, .contiguous)).forEachPiece(of: $0) { ranges.append($0) } }
        #expect(ranges == [0..<2, 2..<4])
    }

    @Test func aRegexThatDoesNotCompileIsNamedWithOnigurumasReason() {
        #expect(throws: TokenizerError(#"pre_tokenizer.pattern.Regex: "(a" does not compile: end pattern with unmatched parenthesis"#)) {
            try OnigurumaRegex("(a", place: "pre_tokenizer.pattern.Regex")
        }
    }

    @Test func replaceGivesEachMatchTheContentAsItIs() throws {
        let regex = try OnigurumaRegex(#"(?<=a)b|^.|.$"#, place: "test")
        #expect(regex.replacingMatches(in: "ab the x 12 áb", with: "[$0]") == "[$0][$0] the x 12 á[$0]")
        #expect(regex.replacingMatches(in: "", with: "-") == "")
    }
}
