import Testing
@testable import CorpusFormats
import SeededRandom

/// Parts of a run must tile its blocks, read every byte of every input exactly once between them,
/// and be balanced by input bytes: checked on random layouts against direct counting.
@Suite struct InputLayoutTests {
    static func randomLayout(seed: UInt64) -> InputLayout {
        var rng = SplitMix64(seed: seed)
        let names = ["a.jsonl", "b.txt", "c.jsonl.gz", "d.ndjson", "e.txt.zst", "f.json", "g.parquet"]
        let inputs = (0..<Int.random(in: 1...12, using: &rng)).map { i in
            ("\(i)-" + names.randomElement(using: &rng)!, Int.random(in: 0...5000, using: &rng))
        }
        return InputLayout(inputs: inputs, format: .auto, blockBytes: Int.random(in: 1...900, using: &rng))
    }

    @Test(arguments: 0..<200)
    func partsTileTheBlocksAndReadEveryByteOnce(seed: Int) {
        let layout = Self.randomLayout(seed: UInt64(seed))
        for count in [1, 2, 3, 5, 8, 40] {
            let ranges = (0..<count).map { layout.blocks(part: $0, of: count) }
            let nonEmpty = ranges.filter { !$0.isEmpty }
            #expect(nonEmpty.map(\.count).reduce(0, +) == layout.blockCount)
            #expect(zip(nonEmpty, nonEmpty.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
            #expect(nonEmpty.first?.lowerBound ?? 0 == 0)

            // Byte by byte, every input is read by exactly one part's pieces.
            var readers = layout.entries.map { [Int](repeating: 0, count: $0.divisible ? $0.bytes : 1) }
            for range in ranges {
                for piece in layout.pieces(for: range) {
                    let entry = layout.entries[piece.input]
                    if entry.divisible {
                        for offset in piece.lineStarts ?? 0..<entry.bytes { readers[piece.input][offset] += 1 }
                    } else {
                        #expect(piece.lineStarts == nil)
                        readers[piece.input][0] += 1
                    }
                }
            }
            for (entry, counts) in zip(layout.entries, readers) where entry.bytes > 0 || !entry.divisible {
                #expect(counts.allSatisfy { $0 == 1 }, "\(entry.path) of \(entry.bytes) bytes, \(count) parts")
            }

            // Balance: a part reads at most its share plus one block's bytes (an indivisible input
            // counting whole in the block where it starts).
            let total = layout.bytesRead(in: 0..<layout.blockCount)
            let largestBlock = layout.bytesPerBlock.max() ?? 0
            for range in ranges {
                #expect(layout.bytesRead(in: range) <= total / count + largestBlock + 1)
            }
        }
    }

    @Test func blocksFollowTheDocumentStarts() {
        let layout = InputLayout(inputs: [("a.jsonl", 250), ("b.txt.gz", 120), ("c.txt", 10), ("d.jsonl", 0)], format: .auto, blockBytes: 100)
        // a.jsonl covers blocks 0…2; b starts at 250 (block 2), c at 370 (block 3).
        #expect(layout.blockCount == 4)
        #expect(layout.bytesPerBlock == [100, 100, 50 + 120, 10])
        #expect(layout.pieces(for: 1..<3).map(\.input) == [0, 1])
        #expect(layout.pieces(for: 1..<3).first?.lineStarts == 100..<250)
        #expect(layout.pieces(for: 3..<4).map(\.input) == [2, 3])  // d.jsonl, empty, is read whole
        let text = InputLayout(inputs: [("a.jsonl", 250)], format: .text, blockBytes: 100)
        #expect(text.blockCount == 1 && text.pieces(for: 0..<1).first?.lineStarts == nil)
    }

    /// FORMAT.md, partitioned runs: a Parquet file counts in the blocks its bytes lie in, as a JSON
    /// Lines file does, and a plain-text file whole in the block where it starts.
    @Test func aParquetFileIsSpreadOverTheBlocksItSpans() {
        let layout = InputLayout(inputs: [("a.txt", 30), ("b.parquet", 250), ("c.txt", 10)], format: .auto, blockBytes: 100)
        // b.parquet lies at bytes 30..<280: 70 of them in block 0, 100 in block 1, 80 in block 2.
        #expect(layout.bytesPerBlock == [30 + 70, 100, 80 + 10])
        #expect(layout.pieces(for: 1..<2).map(\.input) == [1])
        #expect(layout.pieces(for: 1..<2).first?.lineStarts == 70..<170)
    }
}
