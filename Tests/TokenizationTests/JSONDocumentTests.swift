import Foundation
import SeededRandom
import Testing
@testable import Tokenization

/// hapax's JSON reader against Foundation's JSONSerialization as the oracle: the same values from
/// the same texts, and the same texts refused.
@Suite struct JSONDocumentTests {
    /// A value as plain Swift values, comparable with what JSONSerialization gives.
    indirect enum Plain: Equatable {
        case null, boolean(Bool), number(Double), string(String), array([Plain]), object([String: Plain])

        init(_ value: JSONValue) {
            switch value.kind {
            case .null: self = .null
            case .boolean: self = .boolean(value.bool!)
            case .number: self = .number(value.number!)
            case .string: self = .string(value.string!)
            case .array: self = .array(value.elements.map(Plain.init))
            case .object:
                // The last of a name listed twice, as the subscript and JSONSerialization take it.
                self = .object(Dictionary(value.members.map { ($0.name.string!, Plain($0.value)) }) { $1 })
            }
        }

        init(foundation value: Any) {
            switch value {
            case is NSNull: self = .null
            case let number as NSNumber where String(describing: type(of: number)) == "__NSCFBoolean": self = .boolean(number.boolValue)
            case let string as String: self = .string(string)
            case let number as NSNumber: self = .number(number.doubleValue)
            case let array as [Any]: self = .array(array.map { Plain(foundation: $0) })
            case let object as [String: Any]: self = .object(object.mapValues { Plain(foundation: $0) })
            default: fatalError("JSONSerialization gave \(type(of: value))")
            }
        }
    }

    /// Foundation takes a comma before `]` or `}`, which RFC 8259 and Hugging Face's reader (serde_json)
    /// refuse; outside strings, such a text is not an oracle's case.
    static func hasTrailingComma(_ text: [UInt8]) -> Bool {
        var inString = false, escaped = false, lastSignificant: UInt8 = 0
        for byte in text {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            if byte == UInt8(ascii: "\"") { inString = true }
            if (byte == UInt8(ascii: "]") || byte == UInt8(ascii: "}")) && lastSignificant == UInt8(ascii: ",") { return true }
            if ![0x20, 0x0A, 0x0D, 0x09].contains(byte) { lastSignificant = byte }
        }
        return false
    }

    func ours(_ text: [UInt8]) -> Plain? { (try? JSONDocument(text)).map { Plain($0.root) } }

    func oracle(_ text: [UInt8]) -> Plain? {
        (try? JSONSerialization.jsonObject(with: Data(text), options: .fragmentsAllowed)).map { Plain(foundation: $0) }
    }

    @Test(arguments: [
        #"{"a": [1, -2.5, 3e2, 0.5E-3, -0], "b": {"c": null, "d": true, "e": false}, "f": ""}"#,
        #"{"escapes": "\" \\ \/ \b \f \n \r \t \u0041 \u00e9 \u20AC \ud83d\ude00", "raw": "Ġ é € 😀 ▁"}"#,
        #"{"a": 1, "a": 2}"#,
        " \t\r\n[ ] ",
        "{}",
        #""a lone string""#,
        "12345678901234567890",
        "[[[[[[[[[[]]]]]]]]]]",
        "\u{FEFF}{\"after a byte-order mark\": true}",
    ])
    func readsAsFoundationDoes(text: String) throws {
        let bytes = Array(text.utf8)
        let expected = try #require(oracle(bytes), "the oracle refused \(text)")
        #expect(ours(bytes) == expected)
    }

    @Test(arguments: [
        ("{\"a\": 1,}", "a member name in quotes expected"), ("[1, 2,]", "a value expected, found ']'"), ("[01]", "cannot start with 0"),
        ("[1.]", "a digit expected after '.'"), ("[-]", "a digit expected after '-'"), ("[1e]", "exponent"),
        ("[\"\\ud800\"]", "high surrogate"), ("[\"\\udc00\"]", "low surrogate"), ("[\"\\ud800\\u0041\"]", "high surrogate"),
        ("[\"a\u{01}\"]", "control character"), ("[\"\\x\"]", "is not an escape"), ("[\"\\u12G4\"]", "four hex digits"),
        ("[\"abc", "not closed"), ("{\"a\" 1}", "':' expected"), ("[1] [2]", "after the value"), ("", "end of text"),
        ("[tru]", "a value expected"), ("{\"a\": 1\n \"b\": 2}", "line 2, column 2"), ("[1 2]", "',' or ']' expected"),
    ])
    func refusesWithWhereAndWhat(text: String, message: String) {
        #expect(oracle(Array(text.utf8)) == nil || Self.hasTrailingComma(Array(text.utf8)), "the oracle takes \(text)")
        do {
            _ = try JSONDocument(Array(text.utf8))
            Issue.record("\(text) was read")
        } catch {
            #expect(error.description.contains(message), "\(error)")
            #expect(error.description.contains("line "), "\(error)")
        }
    }

    @Test(arguments: [[0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xE2, 0x82], [0x80], [0xF4, 0x90, 0x80, 0x80]] as [[UInt8]])
    func refusesIllFormedUTF8(sequence: [UInt8]) {
        let text = Array("[\"a".utf8) + sequence + Array("\"]".utf8)
        #expect(oracle(text) == nil)
        #expect(ours(text) == nil)
    }

    @Test func refusesNestingPastTheLimit() {
        let deep = String(repeating: "[", count: JSONDocument.maximumDepth + 1) + String(repeating: "]", count: JSONDocument.maximumDepth + 1)
        let limit = String(repeating: "[", count: JSONDocument.maximumDepth) + String(repeating: "]", count: JSONDocument.maximumDepth)
        #expect(ours(Array(deep.utf8)) == nil)
        #expect(ours(Array(limit.utf8)) != nil)
    }

    /// Random documents, written by JSONSerialization, then each with one byte changed: both readers
    /// take the same texts, with the same values, and refuse the same ones.
    @Test func agreesOnRandomDocumentsAndTheirMutations() throws {
        var rng = SplitMix64(seed: 7)
        let pieces = ["a", "Ġ", "é", "€", "😀", "\"", "\\", "/", "\n", "\u{01}", " ", "▁"]
        func randomValue(_ depth: Int) -> Any {
            switch rng.next() % (depth > 3 ? 4 : 6) {
            case 0: return NSNull()
            case 1: return rng.next() % 2 == 0
            case 2: return rng.next() % 2 == 0 ? Double(Int(rng.next() % 2_000_000) - 1_000_000) : Double(Int(rng.next() % 100_000)) / 64
            case 3: return (0..<(rng.next() % 5)).map { _ in pieces[Int(rng.next() % UInt64(pieces.count))] }.joined()
            case 4: return (0..<(rng.next() % 4)).map { _ in randomValue(depth + 1) }
            default:
                return Dictionary((0..<(rng.next() % 4)).map { _ in (pieces[Int(rng.next() % UInt64(pieces.count))], randomValue(depth + 1)) }) { $1 }
            }
        }
        var refused = 0
        for trial in 0..<2000 {
            let value = randomValue(0)
            var text = Array(try JSONSerialization.data(withJSONObject: value, options: trial % 2 == 0 ? [.fragmentsAllowed] : [.fragmentsAllowed, .prettyPrinted]))
            #expect(ours(text) == oracle(text), "\(String(decoding: text, as: UTF8.self))")
            let at = Int(rng.next() % UInt64(text.count))
            let replacements = Array("{}[]\",:\\0e-. tnu\u{7F}".utf8)
            text[at] = replacements[Int(rng.next() % UInt64(replacements.count))]
            let expected = Self.hasTrailingComma(text) ? nil : oracle(text)
            if expected == nil { refused += 1 }
            #expect(ours(text) == expected, "\(String(decoding: text, as: UTF8.self))")
        }
        #expect(refused > 200, "the mutations should break many documents")
    }
}
