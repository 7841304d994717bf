import Foundation
import Testing
@testable import Tokenization

/// tokenizer.json files in SentencePiece's form and Tekken files, encoded as `tokenizers` 0.22.2 and
/// mistral-common 1.13.1 encode them: each expected list below is what the oracle gave for the same
/// file (Tests/parity/test_tokenizer_oracles.py checks the same cases against the oracles).
@Suite struct TokenizerJSONOracleTests {
    static let prependAndReplace = #"{"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "▁"}, {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}]}"#

    static func load(vocab: [String: Int], merges: [[String]] = [], byteFallback: Bool = false, ignoresMerges: Bool = false,
                     fusesUnknown: Bool = false, added: [[String: Any]] = [], normalizer: String = prependAndReplace) throws -> Tokenizer {
        func json(_ value: Any) -> String { String(decoding: try! JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]), as: UTF8.self) }
        let text = #"{"added_tokens": \#(json(added)), "normalizer": \#(normalizer), "pre_tokenizer": null, "decoder": null, "model": {"type": "BPE", "unk_token": "<unk>", "fuse_unk": \#(fusesUnknown), "byte_fallback": \#(byteFallback), "ignore_merges": \#(ignoresMerges), "vocab": \#(json(vocab)), "merges": \#(json(merges))}}"#
        return try Tokenizer.load(path: Fixtures.temporaryFile("tokenizer.json", text))
    }

    static func added(_ content: String, id: Int, _ options: [String: Bool] = [:]) -> [String: Any] {
        var entry: [String: Any] = ["id": id, "content": content, "single_word": false, "lstrip": false, "rstrip": false,
                                    "normalized": false, "special": false]
        for (key, value) in options { entry[key] = value }
        return entry
    }

    static let small = ["<unk>": 0, "▁": 1, "a": 2, "b": 3]

    @Test func addedTokensAreComparedAsBytes() throws {
        let tokenizer = try Self.load(vocab: Self.small, added: [Self.added("café!", id: 4), Self.added("cafe\u{301}!", id: 5)])
        #expect(tokenizer.encode("café!cafe\u{301}!") == [4, 5])
    }

    @Test func mergesSplitAtTheSpaceBeforeACombiningMark() throws {
        // Escaped, so that the merge is read as a value; " \u0301" is one Character.
        let text = #"{"added_tokens": [], "normalizer": null, "pre_tokenizer": null, "decoder": null, "model": {"type": "BPE", "unk_token": "<unk>", "vocab": {"<unk>": 0, "a": 1, "\u0301": 2, "a\u0301": 3}, "merges": ["a \u0301"]}}"#
        let tokenizer = try Tokenizer.load(path: Fixtures.temporaryFile("tokenizer.json", text))
        #expect(tokenizer.encode("a\u{301}") == [3])
    }

    static let ignoringMerges = ["<unk>": 0, "▁": 1, "x": 2, "y": 3, "<": 4, ">": 5, "unk": 6, "u": 7, "n": 8, "k": 9, "▁x": 10,
                                 "un": 11, "a": 12, "b": 13, "0": 14, "A": 15]

    @Test func ignoringMergesLooksUpWholePiecesOnly() throws {
        let merges = [["▁", "x"], ["u", "n"], ["un", "k"]]
        let tokenizer = try Self.load(vocab: Self.ignoringMerges, merges: merges, ignoresMerges: true)
        #expect(tokenizer.encode("x<unk>y") == [10, 4, 6, 5, 3])
        var withBytes = Self.ignoringMerges
        for byte in 0...255 { withBytes[SentencePieceSpelling.byteToken(UInt8(byte))] = 16 + byte }
        let fallback = try Self.load(vocab: withBytes, merges: merges, byteFallback: true, ignoresMerges: true)
        #expect(fallback.encode("a<0x0A>b") == [1, 12, 4, 14, 2, 14, 15, 5, 13])
    }

    @Test(arguments: [false, true])
    func unknownWaitsForTheNextKnownCharacter(fusesUnknown: Bool) throws {
        let tokenizer = try Self.load(vocab: ["<unk>": 0, "▁": 1, "<0x00>": 2, "a": 3], byteFallback: true, fusesUnknown: fusesUnknown)
        #expect(tokenizer.encode("\u{2029}\u{0}") == [1, 2, 0])
        #expect(tokenizer.encode("\u{2029}\u{2029}\u{0}\u{2029}a\u{2029}") == (fusesUnknown ? [1, 2, 0, 3, 0] : [1, 0, 2, 0, 0, 3, 0]))
    }

    @Test func aRepeatedAddedTokenTakesItsLastOptions() throws {
        let tokenizer = try Self.load(vocab: Self.small, added: [Self.added("ab", id: 4), Self.added("ab", id: 4, ["lstrip": true])])
        #expect(tokenizer.encode("a  ab") == [1, 2, 4])
        let special = try Self.load(vocab: Self.small, added: [Self.added("ab", id: 4, ["special": true]), Self.added("ab", id: 4)])
        #expect(special.encode("a ab b") == [1, 2, 1, 2, 3, 1, 3])
    }

    @Test func replacingTheEmptyStringInsertsEverywhere() throws {
        let normalizer = #"{"type": "Replace", "pattern": {"String": ""}, "content": "_"}"#
        let tokenizer = try Self.load(vocab: ["<unk>": 0, "a": 1, "b": 2, "_": 3], normalizer: normalizer)
        #expect(tokenizer.encode("ab") == [3, 1, 3, 2, 3])
        #expect(TextNormalizer([.replace("", with: "_")]).normalize("e\u{301}") == "_e_\u{301}_")
        #expect(TextNormalizer([.replace("", with: "_")]).normalize("") == "")
    }

    @Test func quotedValuesStayOnOneLine() throws {
        let text = #"{"added_tokens": [], "normalizer": null, "pre_tokenizer": {"type": "Metaspace", "replacement": "\n"}, "decoder": null, "model": {"type": "BPE", "unk_token": "<unk>", "vocab": {"<unk>": 0}, "merges": []}}"#
        do {
            _ = try Tokenizer.load(path: Fixtures.temporaryFile("tokenizer.json", text))
            Issue.record("a Metaspace replacement of a newline loaded")
        } catch {
            #expect(!"\(error)".contains("\n"), "\(error)")
            #expect("\(error)".contains(#"replacement: "\n" is not supported"#), "\(error)")
        }
    }

    @Test func tekkenSpecialTokensAreComparedAsBytes() throws {
        let vocab = (0...255).map { #"{"rank": \#($0), "token_bytes": "\#(Data([UInt8($0)]).base64EncodedString())", "token_str": null}"# }
        let specials = ["<unk>", "é", "e\u{301}"].enumerated().map { #"{"rank": \#($0), "token_str": "\#($1)", "is_control": true}"# }
        let text = #"{"config": {"pattern": \#(String(decoding: try JSONEncoder().encode(PreTokenizer.tekken.huggingFaceRegex!), as: UTF8.self)), "default_vocab_size": 259, "default_num_special_tokens": 3}, "vocab": [\#(vocab.joined(separator: ", "))], "special_tokens": [\#(specials.joined(separator: ", "))]}"#
        let tokenizer = try Tokenizer.load(path: Fixtures.temporaryFile("tekken.json", text))
        #expect(tokenizer.encode("é") == [3 + 0xC3, 3 + 0xA9])
    }
}
