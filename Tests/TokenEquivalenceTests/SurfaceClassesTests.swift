import Foundation
import Testing
import Tokenization
@testable import TokenEquivalence

/// Surface classes on a real vocabulary (cl100k_base) and on a GPT-2 style byte-level BPE.
@Suite struct SurfaceClassesTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func same(_ tokenizer: Tokenizer, _ classes: [UInt32], _ texts: [String]) -> Bool {
        let ids = texts.map { text -> UInt32 in
            let encoded = tokenizer.encode(text)
            if encoded.count != 1 { Issue.record("\(text.debugDescription) is \(encoded.count) tokens") }
            return encoded[0]
        }
        return Set(ids.map { classes[Int($0)] }).count == 1
    }

    @Test func cl100kSharesClassesAcrossSpaceAndCase() throws {
        let tokenizer = try Tokenizer.load(path: Self.root.appendingPathComponent("data/cl100k_base.tiktoken").path)
        let classes = SurfaceClasses.classes(tokenizer)
        #expect(Self.same(tokenizer, classes, [" National", "National", " national"]))
        #expect(Self.same(tokenizer, classes, ["The", " the", " THE"]))
        #expect(!Self.same(tokenizer, classes, [" the", " then"]))
        // White space alone keeps its exact bytes: a space and a newline stay apart.
        #expect(!Self.same(tokenizer, classes, [" ", "\n"]))
        let endOfText = Int(tokenizer.endOfText!)
        #expect(classes[endOfText] == UInt32(endOfText) && classes.filter { $0 == UInt32(endOfText) }.count == 1)
        for (id, representative) in classes.enumerated() { #expect(representative <= UInt32(id)) }
    }

    @Test func aGPT2StyleVocabularyToo() throws {
        // GPT-2's own vocabulary cannot be fetched here; a byte-level BPE with its pre-tokenizer, trained
        // on the sample, has the same kinds of tokens (leading-space words, capitalised words).
        let folder = Self.root.appendingPathComponent("data/shakespeare")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted().prefix(6)
        let texts = try files.map { try String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8) }
        let trainer = BPETrainer(vocabularySize: 2000)
        var counts: [[UInt8]: Int] = [:]
        for text in texts { trainer.countPieces(of: text, into: &counts) }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hapax-surface-\(UUID().uuidString).json").path
        try Data(HuggingFaceTokenizerWriter.json(for: trainer.train(pieceCounts: counts)).utf8).write(to: URL(fileURLWithPath: path))
        let tokenizer = try Tokenizer.load(path: path)
        let classes = SurfaceClasses.classes(tokenizer)
        let sameThe = Self.same(tokenizer, classes, [" the", "The", " The"])
        #expect(sameThe)
        // Against the definition, id by id: the same class exactly when the same word.
        var firstWithWord: [String: UInt32] = [:]
        for id in tokenizer.ordinaryIds {
            guard let text = String(validating: tokenizer.decodeBytes([id]), as: UTF8.self),
                  case let word = text.drop(while: \.isWhitespace).lowercased(), !word.isEmpty else {
                #expect(classes[Int(id)] == id)
                continue
            }
            let expected = firstWithWord[word] ?? id
            firstWithWord[word] = expected
            #expect(classes[Int(id)] == expected, "\(text.debugDescription)")
        }
        #expect(firstWithWord.count < tokenizer.ordinaryIds.count - 100)
    }
}
