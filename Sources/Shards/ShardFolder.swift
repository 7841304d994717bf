import Foundation
import InductionDetector
import Checksum

/// A folder of shards as its manifest describes it. Opening a shard checks its header against the
/// manifest; any mismatch is an error naming the file and the field.
public final class ShardFolder {
    public let path: String
    public let manifest: Manifest
    /// Open readers, most recently used last: a few at a time, so that a folder of thousands of
    /// shards never runs out of file descriptors (each reader holds one, and one decoded frame).
    private var readers: [(file: String, reader: ShardReader)] = []
    static let openReaders = 16

    public init(path: String) throws(ShardError) {
        self.path = path
        let manifestPath = URL(fileURLWithPath: path).appendingPathComponent(Manifest.fileName).path
        guard FileManager.default.fileExists(atPath: manifestPath) else {
            throw ShardError("\(path): no \(Manifest.fileName) (not a shard folder, or `hapax-prep shard` did not finish; run it again to complete it)")
        }
        let manifest = try ManifestJSON.decode(Manifest.self, from: manifestPath)
        guard manifest.format == Manifest.formatName else {
            throw ShardError("\(manifestPath): format is \"\(manifest.format)\", expected \"\(Manifest.formatName)\"")
        }
        guard manifest.formatVersion == Int(ShardHeader.version) else {
            throw ShardError("\(manifestPath): format version \(manifest.formatVersion), this hapax reads version \(ShardHeader.version)")
        }
        guard manifest.parameters.windowLength == manifest.parameters.seqLen + 1 else {
            throw ShardError("\(manifestPath): window_length \(manifest.parameters.windowLength) is not seq_len \(manifest.parameters.seqLen) + 1")
        }
        self.manifest = manifest
        for entry in Split.allCases.flatMap({ manifest.splits[$0.rawValue]?.shards ?? [] }) {
            let components = entry.file.split(separator: "/")
            guard !entry.file.hasPrefix("/"), !components.contains("..") else {
                throw ShardError("\(manifestPath): shard \(entry.file) is outside the folder (an absolute path or ..)")
            }
        }
    }

    public var parameters: RunParameters { manifest.parameters }

    /// The token classes the match lengths were computed over, from the folder's copy of the class
    /// file (checked against the recorded hash); nil when the folder uses exact matching.
    public func tokenClasses() throws(ShardError) -> TokenClasses? {
        guard let identity = parameters.classes else { return nil }
        let path = file(identity.file)
        let (classFile, sha256, _) = try TokenClassFile.load(path: path)
        guard sha256 == identity.sha256 else { throw ShardError("\(path): sha256 \(sha256), the manifest's classes.sha256 is \(identity.sha256)") }
        return classFile.tokenClasses
    }

    public func file(_ relative: String) -> String { URL(fileURLWithPath: path).appendingPathComponent(relative).path }

    public func shards(_ split: Split) -> [ShardEntry] { manifest.splits[split.rawValue]?.shards ?? [] }

    public func windowCount(_ split: Split) -> Int { shards(split).reduce(0) { $0 + $1.windows } }

    /// A shard reached through a symbolic link that leads out of the folder is refused: the folder's
    /// files are what its manifest vouches for.
    private func checkInside(_ shard: String) throws(ShardError) {
        guard let real = realPath(shard) else { return }  // missing: the reader says so
        guard let base = realPath(path), real.hasPrefix(base.hasSuffix("/") ? base : base + "/") else {
            throw ShardError("\(shard): a symbolic link to \(real), outside the folder \(path)")
        }
    }

    /// The reader of a shard, opened once and checked against the manifest.
    public func reader(_ entry: ShardEntry) throws(ShardError) -> ShardReader {
        if let index = readers.firstIndex(where: { $0.file == entry.file }) {
            let open = readers.remove(at: index)
            readers.append(open)
            return open.reader
        }
        try checkInside(file(entry.file))
        let reader = try ShardReader(path: file(entry.file))
        let header = reader.header, parameters = manifest.parameters
        var differences: [String] = []
        func compare<T: Equatable>(_ field: String, _ inHeader: T, _ inManifest: T) {
            if inHeader != inManifest { differences.append("\(field) is \(inHeader) in the shard, \(inManifest) in the manifest") }
        }
        compare("window count", header.windowCount, entry.windows)
        compare("file size", header.fileSize, entry.bytes)
        compare("window length", header.windowLength, parameters.windowLength)
        compare("vocabulary size", header.vocabularySize, parameters.tokenizer.vocabSize)
        compare("token width", header.tokenWidth, parameters.tokenizer.tokenWidth)
        compare("tokenizer sha256", SHA256.hex(header.tokenizerSHA256), parameters.tokenizer.sha256)
        compare("scope", header.scopeCode, parameters.scope == .window ? 0 : 1)
        guard differences.isEmpty else { throw ShardError("\(reader.path): \(differences.joined(separator: "; "))") }
        if readers.count == Self.openReaders { readers.removeFirst() }
        readers.append((entry.file, reader))
        return reader
    }

    /// Window `k` of a split, counting across its shards in manifest order.
    public func window(_ split: Split, _ k: Int) throws(ShardError) -> (tokens: ArraySlice<UInt32>, matches: ArraySlice<UInt8>) {
        var local = k
        for entry in shards(split) {
            if local < entry.windows { return try reader(entry).window(local) }
            local -= entry.windows
        }
        throw ShardError("\(path): window \(k) is out of range (the \(split.rawValue) split has \(windowCount(split)))")
    }

    /// Calls `body` with every window of a split in order, decompressing each frame once.
    public func forEachWindow(_ split: Split, _ body: (Int, ArraySlice<UInt32>, ArraySlice<UInt8>) throws -> Void) throws {
        var index = 0
        for entry in shards(split) {
            let reader = try reader(entry)
            for f in 0..<reader.header.frameCount {
                let (tokens, matches) = try reader.frame(f)
                let length = reader.header.windowLength
                for w in 0..<reader.header.windows(inFrame: f) {
                    try body(index, tokens[(w * length)..<((w + 1) * length)], matches[(w * length)..<((w + 1) * length)])
                    index += 1
                }
            }
        }
    }

    /// Checks a shard file's size and SHA-256 against the manifest.
    public func verifyChecksum(_ entry: ShardEntry) throws(ShardError) {
        let path = file(entry.file)
        guard let data = FileManager.default.contents(atPath: path) else { throw ShardError("\(path): cannot read") }
        guard data.count == entry.bytes else { throw ShardError("\(path): \(data.count) bytes, the manifest says \(entry.bytes)") }
        let digest = SHA256.hex(of: data)
        guard digest == entry.sha256 else { throw ShardError("\(path): sha256 \(digest), the manifest says \(entry.sha256)") }
    }
}

private func realPath(_ path: String) -> String? {
    guard let resolved = realpath(path, nil) else { return nil }
    defer { free(resolved) }
    return String(cString: resolved)
}
