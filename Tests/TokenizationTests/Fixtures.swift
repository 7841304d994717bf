import Foundation
import SeededRandom
@testable import Tokenization

/// Paths and small tokenizers shared by the tests.
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let cl100kPath = root.appendingPathComponent("data/cl100k_base.tiktoken").path

    /// cl100k_base, which tools/fetch-data.sh puts in data/ (tools/test.sh runs it first).
    static let cl100k: Tokenizer = {
        do { return try Tokenizer.load(path: cl100kPath) } catch {
            fatalError("\(error): run tools/fetch-data.sh before the tests")
        }
    }()

    static func temporaryFile(_ name: String, _ contents: String) -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hapax-tests-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent(name).path
        try! Data(contents.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// A small byte-level BPE trained on `corpus`, loaded back through its tokenizer.json.
    static func trained(on corpus: [String], vocabularySize: Int) throws -> Tokenizer {
        let trainer = BPETrainer(vocabularySize: vocabularySize)
        var counts: [[UInt8]: Int] = [:]
        for text in corpus { trainer.countPieces(of: text, into: &counts) }
        let json = HuggingFaceTokenizerWriter.json(for: trainer.train(pieceCounts: counts))
        return try Tokenizer.load(path: temporaryFile("tokenizer.json", json))
    }
}

/// Random valid text drawn from ASCII, Latin, CJK, emoji, combining marks and white space.
func randomText(_ rng: inout SplitMix64, maxScalars: Int = 80) -> String {
    let ranges: [ClosedRange<UInt32>] = [0x20...0x7E, 0x09...0x0D, 0xA0...0x17F, 0x300...0x36F,
                                         0x4E00...0x4FFF, 0x1F300...0x1F64F, 0x600...0x6FF, 0x2000...0x206F]
    var scalars = String.UnicodeScalarView()
    for _ in 0..<Int.random(in: 0...maxScalars, using: &rng) {
        let range = ranges.randomElement(using: &rng)!
        if let scalar = Unicode.Scalar(UInt32.random(in: range, using: &rng)) { scalars.append(scalar) }
    }
    return String(scalars)
}
