import Foundation
import Testing
@testable import Shards
import Checksum

@Suite struct ShardRoundTripTests {
    static func makeShard(windows: Int, windowLength: Int, perFrame: Int, vocabularySize: Int) throws -> (path: String, tokens: [UInt32], matches: [UInt8]) {
        var rng = SystemRandomNumberGenerator()
        let tokens = (0..<(windows * windowLength)).map { _ in UInt32.random(in: 0..<UInt32(vocabularySize), using: &rng) }
        let matches = (0..<(windows * windowLength)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let width = ShardHeader.tokenWidth(vocabularySize: vocabularySize)
        var frames: [[UInt8]] = []
        for start in stride(from: 0, to: windows, by: perFrame) {
            let range = (start * windowLength)..<(min(start + perFrame, windows) * windowLength)
            frames.append(try ShardWriter.frame(tokens: tokens[range], matches: matches[range], tokenWidth: width, level: 3))
        }
        let header = ShardHeader(tokenWidth: width, vocabularySize: vocabularySize, windowLength: windowLength,
                                 windowCount: windows, windowsPerFrame: perFrame, frameCount: 0, fileSize: 0,
                                 tokenizerSHA256: [UInt8](repeating: 7, count: 32), scopeCode: 0)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("shard-\(UUID().uuidString).hapax").path
        try AtomicFile.write(ShardWriter.assemble(header, frames: frames), to: path)
        return (path, tokens, matches)
    }

    @Test(arguments: [(100, 2), (70_000, 4)])
    func windowsReadBackExactly(vocabularySize: Int, width: Int) throws {
        let (path, tokens, matches) = try Self.makeShard(windows: 23, windowLength: 17, perFrame: 5, vocabularySize: vocabularySize)
        let reader = try ShardReader(path: path)
        #expect(reader.header.tokenWidth == width)
        #expect(reader.header.frameCount == 5)
        for k in [0, 4, 5, 22, 13, 0] {
            let window = try reader.window(k)
            #expect(Array(window.tokens) == Array(tokens[(k * 17)..<((k + 1) * 17)]))
            #expect(Array(window.matches) == Array(matches[(k * 17)..<((k + 1) * 17)]))
        }
        #expect(throws: ShardError.self) { try reader.window(23) }
    }

    /// Frames of 4 × 17 × 3 bytes, two of which the reader keeps: reading a third lets the first go,
    /// and reading that again decompresses it again.
    @Test func windowsReadBackExactlyOnceTheirFrameWasLetGo() throws {
        let length = 17
        let (path, tokens, matches) = try Self.makeShard(windows: 12, windowLength: length, perFrame: 4, vocabularySize: 100)
        let reader = try ShardReader(path: path, recentFrameBytes: 2 * 4 * 17 * 3)
        for k in [0, 4, 8, 1, 5, 9, 0, 11, 3] {
            let window = try reader.window(k)
            #expect(Array(window.tokens) == Array(tokens[(k * length)..<((k + 1) * length)]))
            #expect(Array(window.matches) == Array(matches[(k * length)..<((k + 1) * length)]))
        }
    }

    @Test func corruptionIsDetectedAndNamed() throws {
        let (path, _, _) = try Self.makeShard(windows: 10, windowLength: 9, perFrame: 3, vocabularySize: 50)
        let original = try Data(contentsOf: URL(fileURLWithPath: path))
        func corrupted(_ change: (inout Data) -> Void) throws -> String {
            var bytes = original
            change(&bytes)
            try bytes.write(to: URL(fileURLWithPath: path))
            do {
                let reader = try ShardReader(path: path)
                for k in 0..<reader.windowCount { _ = try reader.window(k) }
                return "no error"
            } catch {
                #expect(error.description.hasPrefix(path))
                return error.description
            }
        }
        #expect(try corrupted { $0[0] = 0 }.contains("bad magic"))
        #expect(try corrupted { $0[30] ^= 1 } != "no error")
        #expect(try corrupted { $0[ShardHeader.size + 3] ^= 0x40 }.contains("checksum"))
        #expect(try corrupted { $0.removeLast(5) }.contains("truncated"))
        #expect(try corrupted { $0[$0.count - 3] ^= 0xFF }.contains("frame 3"))
        #expect(try corrupted { $0 = $0.prefix(40) }.contains("file ends at byte 40"))
    }
}

/// Random damage to a shard gives an error naming the file, never a crash.
@Suite struct ShardFuzzTests {
    @Test func randomCorruptionNeverCrashes() throws {
        let (path, _, _) = try ShardRoundTripTests.makeShard(windows: 12, windowLength: 33, perFrame: 5, vocabularySize: 70_000)
        let original = try Data(contentsOf: URL(fileURLWithPath: path))
        var generator = SystemRandomNumberGenerator()
        for trial in 0..<300 {
            var bytes = original
            switch trial % 3 {
            case 0:
                for _ in 0..<Int.random(in: 1...8, using: &generator) {
                    bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                }
            case 1:
                bytes = bytes.prefix(Int.random(in: 0..<bytes.count, using: &generator))
            default:
                // Plausible but hostile header values: huge counts, sizes and offsets.
                let field = [24, 32, 36, 40, ShardHeader.size, ShardHeader.size + 8].randomElement(using: &generator)!
                for k in 0..<4 { bytes[field + k] = 0xFF }
            }
            try bytes.write(to: URL(fileURLWithPath: path))
            do {
                let reader = try ShardReader(path: path)
                for k in 0..<reader.windowCount { _ = try reader.window(k) }
            } catch {
                #expect(error.description.hasPrefix(path))
            }
        }
    }
}

/// Readers refuse what a writer never makes, before it can do harm.
@Suite struct ShardBoundsTests {
    @Test func idsBeyondTheVocabularyAreRefused() throws {
        let (path, _, _) = try ShardRoundTripTests.makeShard(windows: 6, windowLength: 9, perFrame: 4, vocabularySize: 300)
        // The same frames under a header that declares a smaller vocabulary, checksums intact.
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        var header = try ShardHeader.decode(Array(bytes.prefix(ShardHeader.size)))
        header.vocabularySize = 100
        bytes.replaceSubrange(0..<ShardHeader.size, with: header.encoded(table: Array(bytes[ShardHeader.size..<(ShardHeader.size + header.tableSize)])))
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let reader = try ShardReader(path: path)
        #expect {
            _ = try reader.window(0)
        } throws: { error in
            (error as? ShardError)?.description.contains("outside the vocabulary of 100") == true
        }
    }

    @Test func framesTooLargeToAllocateAreRefused() {
        let header = ShardHeader(tokenWidth: 4, vocabularySize: 1000, windowLength: 1 << 20, windowCount: 1 << 20,
                                 windowsPerFrame: 1 << 20, frameCount: 1, fileSize: 1000, tokenizerSHA256: [UInt8](repeating: 0, count: 32),
                                 scopeCode: 0)
        #expect(throws: ShardError.self) { try ShardHeader.decode(header.encoded(table: [UInt8](repeating: 0, count: 16))) }
    }
}
