import Foundation
import InductionDetector
import Checksum

/// A `classes.json` file, written by `hapax-prep classes` and read by `shard --classes`;
/// docs/FORMAT.md section 7 describes every field.
public struct TokenClassFile: Codable, Equatable, Sendable {
    public static let formatName = "hapax-token-classes"

    public struct Source: Codable, Equatable, Sendable {
        /// The safetensors file and tensor the embeddings came from, and the SHA-256 of that tensor's bytes.
        public var file: String
        public var tensor: String
        public var sha256: String

        public init(file: String, tensor: String, sha256: String) {
            self.file = file
            self.tensor = tensor
            self.sha256 = sha256
        }
    }

    public struct LargeClass: Codable, Equatable, Sendable {
        public var representative: UInt32
        public var size: Int
        /// The first members, decoded.
        public var tokens: [String]

        public init(representative: UInt32, size: Int, tokens: [String]) {
            self.representative = representative
            self.size = size
            self.tokens = tokens
        }
    }

    public struct Summary: Codable, Equatable, Sendable {
        public var classes: Int
        public var singletons: Int
        public var largest: [LargeClass]

        public init(classes: Int, singletons: Int, largest: [LargeClass]) {
            self.classes = classes
            self.singletons = singletons
            self.largest = largest
        }
    }

    public var format: String
    public var method: String
    public var tokenizerSha256: String
    public var vocabSize: Int
    public var source: Source?
    public var threshold: Double?
    public var summary: Summary
    /// The class of every token id: its representative's id.
    public var classes: [UInt32]

    public init(method: String, tokenizerSha256: String, source: Source?, threshold: Double?, summary: Summary, classes: [UInt32]) {
        format = Self.formatName
        self.method = method
        self.tokenizerSha256 = tokenizerSha256
        vocabSize = classes.count
        self.source = source
        self.threshold = threshold
        self.summary = summary
        self.classes = classes
    }

    /// Reads and checks a class file: one class per token id, every class named by a member that is
    /// its own representative.
    public static func load(path: String) throws(ShardError) -> (file: TokenClassFile, sha256: String, bytes: [UInt8]) {
        guard let data = FileManager.default.contents(atPath: path) else { throw ShardError("\(path): cannot read") }
        let file = try ManifestJSON.decode(TokenClassFile.self, from: path)
        guard file.format == formatName else { throw ShardError("\(path): format is \"\(file.format)\", expected \"\(formatName)\"") }
        guard file.classes.count == file.vocabSize else {
            throw ShardError("\(path): \(file.classes.count) classes for a vocabulary of \(file.vocabSize)")
        }
        for (id, representative) in file.classes.enumerated() {
            guard Int(representative) < file.classes.count, file.classes[Int(representative)] == representative else {
                throw ShardError("\(path): classes[\(id)] is \(representative), which is not a representative of its own class")
            }
        }
        return (file, SHA256.hex(of: data), Array(data))
    }

    public var tokenClasses: TokenClasses { TokenClasses(classes: classes) }
}

/// Where a shard folder keeps its class map, recorded in its parameters.
public struct ClassMapIdentity: Codable, Equatable, Sendable {
    /// The copy of the class file, relative to the folder.
    public var file: String
    public var sha256: String

    public init(file: String, sha256: String) {
        self.file = file
        self.sha256 = sha256
    }
}
