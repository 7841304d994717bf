import Foundation
import SeededRandom
import Testing
@testable import Tokenization

extension TokenizerCache {
    /// The digest of bytes held in any collection: the tests' arrays and slices of `Data`.
    static func digest<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> [UInt8] {
        Array(bytes).withUnsafeBufferPointer { digest($0) }
    }
}

/// The cache of tokenizer.json vocabularies gives the tokenizer the file gives, and only that: a
/// changed file misses, a damaged entry is read afresh and written again, an unwritable cache is none.
@Suite struct TokenizerCacheTests {
    /// A byte-level BPE of a few hundred tokens with `<|endoftext|>`, as hapax's trainer writes it.
    static let file: String = {
        let trainer = BPETrainer(vocabularySize: 600)
        var counts: [[UInt8]: Int] = [:]
        var rng = SplitMix64(seed: 11)
        for _ in 0..<300 { trainer.countPieces(of: randomText(&rng) + " the cat sat on the mat", into: &counts) }
        return HuggingFaceTokenizerWriter.json(for: trainer.train(pieceCounts: counts))
    }()

    let cache = TokenizerCache(directory: FileManager.default.temporaryDirectory
        .appendingPathComponent("hapax-cache-tests-\(UUID().uuidString)").path, smallestFile: 0)

    func load(_ path: String, cache: TokenizerCache?) throws -> Tokenizer {
        try Tokenizer.load(path: path, pattern: nil, cache: cache)
    }

    func entryPath(of path: String) -> String {
        [UInt8](FileManager.default.contents(atPath: path)!).withUnsafeBufferPointer { cache.path(for: TokenizerCache.Key($0)) }
    }

    /// The files under the cache's folder, at any depth.
    var cachedFiles: [String] {
        ((try? FileManager.default.subpathsOfDirectory(atPath: cache.directory)) ?? []).filter { path in
            var folder: ObjCBool = false
            return FileManager.default.fileExists(atPath: cache.directory + "/" + path, isDirectory: &folder) && !folder.boolValue
        }
    }

    /// Whether two tokenizers encode random texts alike and agree on their ids.
    func alike(_ a: Tokenizer, _ b: Tokenizer) -> Bool {
        var rng = SplitMix64(seed: 5)
        let texts = (0..<200).map { _ in randomText(&rng) } + ["the cat sat on the mat<|endoftext|>"]
        return a.vocabularySize == b.vocabularySize && a.specialTokens == b.specialTokens && a.endOfText == b.endOfText
            && a.ordinaryIds == b.ordinaryIds && texts.allSatisfy { a.encode($0) == b.encode($0) }
    }

    func inode(_ path: String) throws -> Int {
        try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as! Int
    }

    @Test func laterLoadsReadTheEntryAndEncodeAsTheFileDoes() throws {
        let path = Fixtures.temporaryFile("tokenizer.json", Self.file)
        let fresh = try load(path, cache: nil)
        #expect(alike(try load(path, cache: cache), fresh))
        let entry = entryPath(of: path)
        let written = try inode(entry)
        let cached = try load(path, cache: cache)
        // A load that missed would have written the entry again, under a new inode.
        #expect(try inode(entry) == written)
        #expect(alike(cached, fresh))
        #expect(cached.source == fresh.source)
    }

    /// The same path, the same size, a moment later: only the content tells the files apart.
    @Test func aChangedFileMisses() throws {
        let path = Fixtures.temporaryFile("tokenizer.json", Self.file)
        let before = try load(path, cache: cache)
        let changed = Self.file.replacingOccurrences(of: "<|endoftext|>", with: "<|endoftexx|>")
        #expect(changed.utf8.count == Self.file.utf8.count && changed != Self.file)
        try Data(changed.utf8).write(to: URL(fileURLWithPath: path))
        let after = try load(path, cache: cache)
        #expect(after.specialTokens.keys.sorted() == ["<|endoftexx|>"] && before.specialTokens.keys.sorted() == ["<|endoftext|>"])
        #expect(alike(after, try load(path, cache: nil)))
        #expect(cachedFiles.count == 2)
    }

    /// A file of a size never kept misses before it is hashed; it is kept beside the other, and both
    /// hit from then on.
    @Test func aFileOfAnotherSizeMissesAndIsKeptBesideTheOther() throws {
        let path = Fixtures.temporaryFile("tokenizer.json", Self.file)
        _ = try load(path, cache: cache)
        let longer = Self.file.replacingOccurrences(of: "<|endoftext|>", with: "<|end_of_text|>")
        #expect(!cache.mayHold(size: longer.utf8.count) && cache.mayHold(size: Self.file.utf8.count))
        let other = Fixtures.temporaryFile("tokenizer.json", longer)
        #expect(try load(other, cache: cache).specialTokens.keys.sorted() == ["<|end_of_text|>"])
        #expect(cachedFiles.count == 2 && cache.mayHold(size: longer.utf8.count))
        let entries = try [path, other].map { try inode(entryPath(of: $0)) }
        #expect(try load(path, cache: cache).specialTokens.keys.sorted() == ["<|endoftext|>"])
        #expect(try load(other, cache: cache).specialTokens.keys.sorted() == ["<|end_of_text|>"])
        #expect(try [path, other].map { try inode(entryPath(of: $0)) } == entries)
    }

    /// A large file is hashed a MiB at a time on all cores: a byte changed in any MiB, or a byte
    /// added at the end, gives another digest.
    @Test func everyPieceOfALargeFileCounts() {
        var rng = SplitMix64(seed: 3)
        let bytes = (0..<(5 << 19) + 7).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let digest = TokenizerCache.digest(bytes)
        #expect(TokenizerCache.digest(bytes) == digest && digest.count == 32)
        var others: Set<[UInt8]> = [digest]
        for at in [0, (1 << 20) - 1, 1 << 20, (2 << 20) + 12345, bytes.count - 1] {
            var changed = bytes
            changed[at] ^= 1
            others.insert(TokenizerCache.digest(changed))
        }
        others.insert(TokenizerCache.digest(bytes + [0]))
        others.insert(TokenizerCache.digest(bytes.dropLast()))
        #expect(others.count == 8)
    }

    /// "a letter changed" keeps the entry well formed, so only its checksum can tell; "a count that
    /// lies" has a checksum made for it, so only the entry's structure can.
    @Test(arguments: ["a letter changed", "a byte flipped", "cut in half", "empty", "another file's entry", "a count that lies"])
    func aDamagedEntryIsReadAfreshAndWrittenAgain(damage: String) throws {
        let path = Fixtures.temporaryFile("tokenizer.json", Self.file)
        let fresh = try load(path, cache: cache)
        let entry = entryPath(of: path)
        let whole = try Data(contentsOf: URL(fileURLWithPath: entry))
        var damaged = whole
        switch damage {
        case "a letter changed": damaged[damaged.range(of: Data("endoftext".utf8))!.lowerBound] = UInt8(ascii: "E")
        case "a byte flipped": damaged[whole.count / 2] ^= 0x20
        case "cut in half": damaged = whole.prefix(whole.count / 2)
        case "empty": damaged = Data()
        case "a count that lies":
            // The third count, after the first line and the file's SHA-256, is the number of ids.
            let ids = damaged.firstIndex(of: UInt8(ascii: "\n"))! + 1 + 32 + 16
            damaged.replaceSubrange(ids..<(ids + 8), with: [0xFF, 0xFF, 0xFF, 0x0F, 0, 0, 0, 0])
            damaged.replaceSubrange((damaged.count - 32)..., with: TokenizerCache.digest(damaged.dropLast(32)))
        default:
            let other = Fixtures.temporaryFile("tokenizer.json", Self.file.replacingOccurrences(of: "<|endoftext|>", with: "<|endoftexx|>"))
            _ = try load(other, cache: cache)
            damaged = try Data(contentsOf: URL(fileURLWithPath: entryPath(of: other)))
        }
        #expect(damaged != whole)
        try damaged.write(to: URL(fileURLWithPath: entry))
        #expect(alike(try load(path, cache: cache), fresh))
        #expect(try Data(contentsOf: URL(fileURLWithPath: entry)) == whole)
    }

    /// The entry is written while the model is built: a file that fails after its vocabulary is
    /// read (here, an added token's id) leaves no entry, and no part of one.
    @Test func aFileThatFailsToLoadLeavesNothing() throws {
        let broken = Self.file.replacingOccurrences(of: #"{"id": "#, with: #"{"id": 9999999"#)
        #expect(broken != Self.file)
        let path = Fixtures.temporaryFile("tokenizer.json", broken)
        #expect(throws: TokenizerError.self) { try load(path, cache: cache) }
        #expect(((try? FileManager.default.subpathsOfDirectory(atPath: cache.directory)) ?? []).isEmpty)
    }

    @Test func aCacheThatCannotBeWrittenIsNoCache() throws {
        let blocked = Fixtures.temporaryFile("not-a-folder", "")
        let path = Fixtures.temporaryFile("tokenizer.json", Self.file)
        let cache = TokenizerCache(directory: blocked + "/tokenizers", smallestFile: 0)
        #expect(alike(try load(path, cache: cache), try load(path, cache: nil)))
    }

    @Test func smallFilesAreNotKept() throws {
        let path = Fixtures.temporaryFile("tokenizer.json", Self.file)
        let cache = TokenizerCache(directory: self.cache.directory, smallestFile: Self.file.utf8.count + 1)
        _ = try load(path, cache: cache)
        #expect(!FileManager.default.fileExists(atPath: cache.directory))
    }
}
