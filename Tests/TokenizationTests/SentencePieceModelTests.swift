import Foundation
import Testing
@testable import Tokenization

/// SentencePiece models written piece by piece, encoded as sentencepiece 0.2.3 encodes them: each
/// expected list below is what `SentencePieceProcessor.encode` gave for the same model
/// (Tests/parity/test_tokenizer_oracles.py checks the same cases against sentencepiece itself).
@Suite struct SentencePieceModelTests {
    enum PieceType: UInt64 { case normal = 1, unknown, control, userDefined, unused, byte }

    /// A BPE `ModelProto` in Protocol Buffers' wire format: `<unk>`, `<s>`, `</s>`, the 256 byte
    /// pieces with byte fallback, then `pieces`.
    static func model(_ pieces: [(String, Float, PieceType)], byteFallback: Bool = false, removesExtraSpaces: Bool = true) -> [UInt8] {
        func varint(_ value: UInt64) -> [UInt8] {
            var value = value, bytes: [UInt8] = []
            while value >= 0x80 { bytes.append(UInt8(value & 0x7F) | 0x80); value >>= 7 }
            return bytes + [UInt8(value)]
        }
        func field(_ number: UInt64, _ payload: [UInt8]) -> [UInt8] { varint(number << 3 | 2) + varint(UInt64(payload.count)) + payload }
        func integer(_ number: UInt64, _ value: UInt64) -> [UInt8] { varint(number << 3) + varint(value) }
        func piece(_ spelling: String, _ score: Float, _ type: PieceType) -> [UInt8] {
            let bits = score.bitPattern
            return field(1, field(1, Array(spelling.utf8)) + varint(2 << 3 | 5) + (0..<4).map { UInt8(truncatingIfNeeded: bits >> (8 * $0)) }
                + integer(3, type.rawValue))
        }
        var all: [(String, Float, PieceType)] = [("<unk>", 0, .unknown), ("<s>", 0, .control), ("</s>", 0, .control)]
        if byteFallback { all += (0...255).map { (SentencePieceSpelling.byteToken(UInt8($0)), 0, .byte) } }
        return (all + pieces).flatMap { piece($0.0, $0.1, $0.2) }
            + field(2, integer(3, 2) + integer(35, byteFallback ? 1 : 0))
            + field(3, field(1, Array("identity".utf8)) + integer(4, removesExtraSpaces ? 1 : 0))
    }

    static func load(_ model: [UInt8]) throws -> Tokenizer {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hapax-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("tokenizer.model").path
        try Data(model).write(to: URL(fileURLWithPath: path))
        return try Tokenizer.load(path: path)
    }

    @Test func piecesAreComparedAsBytes() throws {
        // Both spellings of é are pieces of their own, as sentencepiece trains them on mixed text.
        let both = try Self.load(Self.model([("▁", -1, .normal), ("é", -2, .normal), ("e", -3, .normal), ("\u{301}", -4, .normal),
                                             ("e\u{301}", -5, .normal)]))
        #expect(both.encode("é e\u{301}") == [3, 4, 3, 7])
        // No `e` + U+0301 piece: `é` followed by x must not merge into `e` + U+0301 + x.
        let tokenizer = try Self.load(Self.model([("▁", -1, .normal), ("é", -2, .normal), ("e", -3, .normal), ("x", -4, .normal),
                                                  ("\u{301}", -5, .normal), ("\u{301}x", -6, .normal), ("e\u{301}x", -7, .normal)]))
        #expect(tokenizer.encode("éx") == [3, 4, 6])
        #expect(tokenizer.encode("e\u{301}x") == [3, 9])
    }

    @Test func userDefinedSpacesSurviveRemovingExtraSpaces() throws {
        let tokenizer = try Self.load(Self.model([("▁", -1, .normal), ("a", -2, .normal), ("b", -3, .normal), ("▁a", -4, .normal),
                                                  ("▁b", -5, .normal), ("  ", 0, .userDefined)]))
        #expect(tokenizer.encode("a  b") == [6, 3, 7])
        #expect(tokenizer.encode("a   b") == [6, 3, 7])
        #expect(tokenizer.encode("  a") == [6])
        #expect(tokenizer.encode("a  ") == [6])
    }

    @Test func singleCharacterUnusedPiecesAreUnknown() throws {
        let withBytes = try Self.load(Self.model([("▁", -1, .normal), ("q", 0, .unused), ("a", -2, .normal)], byteFallback: true))
        #expect(withBytes.encode("q") == [259, 116])
        #expect(withBytes.encode("aqa") == [259, 261, 116, 261])
        let without = try Self.load(Self.model([("▁", -1, .normal), ("q", 0, .unused), ("a", -2, .normal)]))
        #expect(without.encode("q") == [3, 0])
        #expect(without.encode("qü") == [3, 0])
        #expect(without.encode("aq") == [3, 5, 0])
    }

    @Test func longPiecesLoadInLinearTime() throws {
        // sentencepiece allows pieces of thousands of bytes; four of 7,999 took 40 s to load.
        let letters = ["a", "b", "c", "d"]
        let model = Self.model([("▁", -1, .normal)] + letters.map { ($0, -2, .normal) } + letters.map { (String(repeating: $0, count: 7999), -3, .normal) })
        let start = Date()
        let tokenizer = try Self.load(model)
        #expect(Date().timeIntervalSince(start) < 5)
        #expect(tokenizer.encode("ab") == [3, 4, 5])
    }

    @Test func quotedValuesStayOnOneLine() throws {
        do {
            _ = try Self.load(Self.model([("▁", -1, .normal), ("\n", -2, .normal), ("\n", -3, .normal)]))
            Issue.record("a piece listed twice loaded")
        } catch {
            #expect(!"\(error)".contains("\n"), "\(error)")
            #expect("\(error)".contains(#"pieces[5] ("\n"): the piece is listed twice"#), "\(error)")
        }
    }
}
