import Foundation
import Testing
@testable import Tokenization

/// A malformed tokenizer file gives one line naming the file, the line or key, and what is wrong.
@Suite struct LoaderErrorTests {
    static let allBytes = (0...255).map { "\(Data([UInt8($0)]).base64EncodedString()) \($0)" }.joined(separator: "\n")

    func error(loading contents: String, as name: String, pattern: PreTokenizer? = .gpt2) -> String {
        let path = Fixtures.temporaryFile(name, contents)
        do {
            _ = try Tokenizer.load(path: path, pattern: name.hasSuffix(".json") ? nil : pattern)
            return "loaded without error"
        } catch {
            #expect(error.description.hasPrefix(path), "message should start with the file: \(error)")
            #expect(!error.description.contains("\n"), "message should be one line: \(error)")
            return error.description
        }
    }

    @Test(arguments: [
        ("\(allBytes)\n!!!! 256", "line 257", "not valid base64"),
        ("\(allBytes)\nYWI= 255", "line 257", "rank 255 is already used on line 256"),
        ("\(allBytes)\nYQ== 300", "line 257", "already listed with rank 97"),
        ("\(allBytes)\nYWI=", "line 257", "expected 'base64-token rank'"),
        ("\(allBytes)\nYWI= -4", "line 257", "is not a rank"),
        ("YQ== 0", "", "no token for the single byte 0x00"),
        ("\(allBytes)\nYWI= 4294967000", "line 257", "rank 4294967000 is far beyond"),
        ("", "", "the file has no ranks"),
    ])
    func malformedRankFile(contents: String, place: String, what: String) {
        let message = error(loading: contents, as: "ranks.tiktoken")
        #expect((place.isEmpty || message.contains(place)) && message.contains(what), "\(message)")
    }

    /// Rank files list ranks in order, but a file that does not, or leaves ranks unused, means the same.
    @Test func rankFileInAnyOrderWithGapsEncodesAlike() throws {
        let merged = ["YWI= 300", "YWJj 302", "Y2Q= 301"]  // ab, abc, cd; ranks 256 … 299 unused
        let ordered = Fixtures.temporaryFile("ordered.tiktoken", ([Self.allBytes] + merged).joined(separator: "\n"))
        let shuffled = Fixtures.temporaryFile("shuffled.tiktoken", (merged.reversed() + Self.allBytes.split(separator: "\n").reversed().map(String.init)).joined(separator: "\n"))
        let a = try Tokenizer.load(path: ordered, pattern: .gpt2), b = try Tokenizer.load(path: shuffled, pattern: .gpt2)
        for text in ["abcd", "abc cd ab", "xabcdx", ""] {
            #expect(a.encode(text) == b.encode(text), "\(text)")
        }
        #expect(a.encode("abc") == [302] && a.encode("cd") == [301] && a.encode("abcd") == [300, 301])
        #expect(a.ordinaryIds == b.ordinaryIds && a.ordinaryIds.count == 259 && a.decode(a.encode("abc cd")) == "abc cd")
    }

    @Test func rankFileWithUnknownNameNeedsAPattern() {
        let message = error(loading: Self.allBytes, as: "mystery.tiktoken", pattern: nil)
        #expect(message.contains("cannot tell the encoding"), "\(message)")
    }

    static func tokenizerJSON(vocab: String = #"{"a": 0, "b": 1}"#, merges: String = #"["a b"]"#,
                              preTokenizer: String = #"{"type": "ByteLevel", "add_prefix_space": false}"#) -> String {
        #"{"added_tokens": [], "normalizer": null, "pre_tokenizer": \#(preTokenizer), "decoder": {"type": "ByteLevel"}, "model": {"type": "BPE", "vocab": \#(vocab), "merges": \#(merges)}}"#
    }

    @Test(arguments: [
        ("{\"model\": ", "not valid JSON"),
        ("[1, 2]", "top level is not a JSON object"),
        (tokenizerJSON(merges: #""a b""#), "model.merges: expected an array, got a string"),
        (tokenizerJSON(vocab: #"{"a": "zero"}"#), #"model.vocab["a"]: expected a non-negative integer id, got a string"#),
        (tokenizerJSON(vocab: #"{"a": true}"#), #"model.vocab["a"]: expected a non-negative integer id, got a boolean"#),
        (tokenizerJSON(vocab: #"{"a b": 0}"#), #"model.vocab["a b"]: the token is not spelled in the byte-level alphabet"#),
        (tokenizerJSON(vocab: #"{"a": 0, "b": 4294967000}"#), #"model.vocab["b"]: id 4294967000 is far beyond"#),
        (tokenizerJSON(vocab: #"{"a": -1}"#), #"model.vocab["a"]: expected a non-negative integer id, got a number"#),
        (tokenizerJSON(vocab: #"{"a": 0, "b": 1.0, "c": 0}"#), #"model.vocab["c"]: id 0 is also given to "a""#),
        (tokenizerJSON(vocab: #"{"a": 0, "\u0061": 1}"#), #"model.vocab["a"]: listed twice, with ids 0 and 1"#),
        (tokenizerJSON(merges: #"["a c"]"#), #"model.merges[0]: "c" is not in model.vocab"#),
        (tokenizerJSON(merges: #"["a"]"#), "model.merges[0]: expected two tokens, got 1"),
        (tokenizerJSON(merges: "[3]"), "model.merges[0]: expected \"left right\""),
        (tokenizerJSON(preTokenizer: #"{"type": "UnicodeScript"}"#), #"pre_tokenizer.type: "UnicodeScript" is not supported"#),
        (tokenizerJSON(preTokenizer: #"{"type": "Whitespace"}"#), "pre_tokenizer: no ByteLevel, but the decoder is ByteLevel"),
        (tokenizerJSON(preTokenizer: #"{"type": "Sequence", "pretokenizers": []}"#), "pre_tokenizer: no ByteLevel, but the decoder is ByteLevel"),
        (tokenizerJSON(preTokenizer: #"{"type": "Sequence", "pretokenizers": [{"type": "Metaspace"}, {"type": "ByteLevel"}]}"#),
         "pre_tokenizer.pretokenizers[1]: ByteLevel and Metaspace in one Sequence are not supported"),
        (tokenizerJSON(preTokenizer: #"{"type": "Sequence", "pretokenizers": [{"type": "Split", "pattern": {"Glob": " "}, "behavior": "Isolated", "invert": false}, {"type": "ByteLevel", "use_regex": false}]}"#),
         "pre_tokenizer.pretokenizers[0].pattern: expected a Regex or a String"),
        (tokenizerJSON(preTokenizer: #"{"type": "Sequence", "pretokenizers": [{"type": "Split", "pattern": {"Regex": "[z-a]"}, "behavior": "Isolated"}, {"type": "ByteLevel"}]}"#),
         #"pre_tokenizer.pretokenizers[0].pattern.Regex: "[z-a]" does not compile: empty range in char class"#),
        (tokenizerJSON(preTokenizer: #"{"type": "Sequence", "pretokenizers": [{"type": "Split", "pattern": {"String": "a"}, "behavior": "Isolated", "invert": "yes"}, {"type": "ByteLevel"}]}"#),
         "pre_tokenizer.pretokenizers[0].invert: expected true or false, got a string"),
        (tokenizerJSON(preTokenizer: #"{"type": "Sequence", "pretokenizers": [{"type": "Digits", "individual_digits": 1}, {"type": "ByteLevel"}]}"#),
         "pre_tokenizer.pretokenizers[0].individual_digits: expected true or false, got a number"),
        (tokenizerJSON(preTokenizer: #"{"type": "Sequence", "pretokenizers": [{"type": "ByteLevel", "add_prefix_space": true, "use_regex": false}, {"type": "ByteLevel"}]}"#),
         "pre_tokenizer.pretokenizers[1]: a second ByteLevel"),
        (tokenizerJSON(preTokenizer: "null"), "pre_tokenizer: no ByteLevel, but the decoder is ByteLevel"),
        (#"{"pre_tokenizer": {"type": "ByteLevel"}}"#, "model: missing"),
    ])
    func malformedTokenizerJSON(contents: String, what: String) {
        let message = error(loading: contents, as: "tokenizer.json")
        #expect(message.contains(what), "\(message)")
    }

    @Test func mergeResultMustBeInTheVocabulary() {
        let vocab = "{" + (0...255).map { "\"\(ByteLevelAlphabet.spell([UInt8($0)]).replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""))\": \($0)" }.joined(separator: ", ") + "}"
        let message = error(loading: Self.tokenizerJSON(vocab: vocab), as: "tokenizer.json")
        #expect(message.contains(#"model.merges[0]: merging "a" and "b" gives "ab", which is not in model.vocab"#), "\(message)")
    }

    /// Merges are read in stretches on all cores and looked up in batches; a bad one deep in the
    /// list is still named by its own position, in either form of merge.
    @Test(arguments: [(#""a b""#, #""a c""#), (#"["a", "b"]"#, #"["a", "c"]"#)])
    func aBadMergeFarDownIsNamedByItsPosition(good: String, bad: String) {
        let vocab = "{" + (0...255).map { "\"\(ByteLevelAlphabet.spell([UInt8($0)]).replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""))\": \($0)" }.joined(separator: ", ") + #", "ab": 256}"#
        let position = 16_384 + 45
        let merges = "[" + (0..<20_000).map { $0 == position ? bad : good }.joined(separator: ", ") + "]"
        let message = error(loading: Self.tokenizerJSON(vocab: vocab, merges: merges), as: "tokenizer.json")
        #expect(message.contains(#"model.merges[\#(position)]: merging "a" and "c" gives "ac", which is not in model.vocab"#), "\(message)")
    }

    /// Names written with escapes (`\u0061` for `a`, `\"` for a quote) are the same tokens as
    /// names written plainly, in the vocabulary and in both forms of merge, including the merges
    /// that hapax reads straight from the file's bytes.
    @Test(arguments: [#"["a b", "ab c", "\" \""]"#, #"[["a", "b"], ["ab", "c"], ["\"", "\""]]"#])
    func escapedNamesAreThePlainNames(merges: String) throws {
        func vocabulary(escaping: Bool) -> String {
            "{" + (0...255).map { byte -> String in
                let spelling = ByteLevelAlphabet.spell([UInt8(byte)])
                let written = spelling == "\"" ? "\\\"" : spelling == "\\" ? "\\\\" : escaping && byte >= 97 && byte <= 99 ? String(format: "\\u%04x", byte) : spelling
                return "\"\(written)\": \(byte)"
            }.joined(separator: ", ") + #", "ab": 256, "\u0061bc": 257, "\"\"": 258}"#
        }
        let escapedMerges = merges.replacingOccurrences(of: "\"a", with: "\"\\u0061")
        let plain = try Tokenizer.load(path: Fixtures.temporaryFile("tokenizer.json", Self.tokenizerJSON(vocab: vocabulary(escaping: false), merges: merges)))
        let escaped = try Tokenizer.load(path: Fixtures.temporaryFile("tokenizer.json", Self.tokenizerJSON(vocab: vocabulary(escaping: true), merges: escapedMerges)))
        for text in ["abc", "ab", "\"\"abc\"", "cab"] {
            #expect(plain.encode(text) == escaped.encode(text), "\(text)")
        }
        #expect(plain.encode("abc") == [257])
        #expect(plain.encode("\"\"") == [258])
    }

    /// A rank file with one very long token loads in time linear in its size (every split of the
    /// token is looked up; hashing each part anew took hours for a megabyte).
    @Test func aVeryLongTokenLoads() throws {
        let long = Data(repeating: UInt8(ascii: "a"), count: 1 << 20).base64EncodedString()
        let path = Fixtures.temporaryFile("long.tiktoken", Self.allBytes + "\nYWE= 256\n\(long) 257")
        let tokenizer = try Tokenizer.load(path: path, pattern: .gpt2)
        #expect(tokenizer.encode("aaaa") == [256, 256])
    }

    @Test func missingFileIsNamed() {
        do {
            _ = try Tokenizer.load(path: "/nonexistent/cl100k_base.tiktoken")
            Issue.record("loaded a missing file")
        } catch {
            #expect(error.description.contains("cannot read /nonexistent/cl100k_base.tiktoken"))
        }
    }
}
