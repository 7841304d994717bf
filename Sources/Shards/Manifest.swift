import Foundation
import InductionDetector

/// The JSON files of a shard folder; docs/FORMAT.md describes every field.
public enum Split: String, Codable, CaseIterable, Sendable {
    case train, val
}

public struct TokenizerIdentity: Codable, Equatable, Sendable {
    /// The tokenizer file, copied into the shard folder, relative to it.
    public var file: String
    public var sha256: String
    public var vocabSize: Int
    public var endOfText: UInt32
    /// The token put before each document (`shard --bos`); absent without it.
    public var beginningOfText: UInt32?
    public var tokenWidth: Int
    public var pattern: String

    public init(file: String, sha256: String, vocabSize: Int, endOfText: UInt32, beginningOfText: UInt32? = nil,
                tokenWidth: Int, pattern: String) {
        self.file = file
        self.sha256 = sha256
        self.vocabSize = vocabSize
        self.endOfText = endOfText
        self.beginningOfText = beginningOfText
        self.tokenWidth = tokenWidth
        self.pattern = pattern
    }
}

public struct InputFile: Codable, Equatable, Sendable {
    public var path: String
    public var bytes: Int

    public init(path: String, bytes: Int) {
        self.path = path
        self.bytes = bytes
    }
}

/// Which part of a partitioned run a folder holds (`hapax-prep shard --part INDEX/COUNT`).
public struct PartIdentity: Codable, Equatable, Sendable, CustomStringConvertible {
    public var index: Int
    public var count: Int

    public init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    public var description: String { "\(index)/\(count)" }
}

/// Everything that determines the output bytes. A folder's runs must all have equal parameters.
public struct RunParameters: Codable, Equatable, Sendable {
    public var seqLen: Int
    public var windowLength: Int
    public var scope: MatchScope
    public var valFraction: Double
    public var windowsPerFrame: Int
    public var level: Int
    public var unitBytes: Int
    public var textField: String
    /// How inputs hold documents: `auto` (from each file's name), `text` or `jsonl`; absent in
    /// folders made before the option existed, which read by name.
    public var format: String?
    /// How a token file (`format` tokens) stores its ids: `uint16` or `uint32`; absent otherwise.
    public var tokenType: String?
    /// Whether each sequence of the Megatron inputs is one window as it is (`shard --packed`); absent
    /// when documents are packed into windows.
    public var packed: Bool?
    public var strict: Bool
    public var tokenizer: TokenizerIdentity
    /// Token classes match lengths were computed over (thresholded Hapax); nil for exact matching.
    public var classes: ClassMapIdentity?
    public var inputs: [InputFile]
    /// The part this folder holds; nil for a whole run, or a merge of all parts.
    public var part: PartIdentity?

    /// Names and both values of the parameters that differ, for refusing a mismatched folder.
    public func differences(from other: RunParameters) -> [String] {
        var result: [String] = []
        func compare<T: Equatable>(_ name: String, _ a: T, _ b: T) { if a != b { result.append("\(name): \(a) here, \(b) there") } }
        compare("seq_len", seqLen, other.seqLen)
        compare("scope", scope.rawValue, other.scope.rawValue)
        compare("val_fraction", valFraction, other.valFraction)
        compare("windows_per_frame", windowsPerFrame, other.windowsPerFrame)
        compare("level", level, other.level)
        compare("unit_bytes", unitBytes, other.unitBytes)
        compare("text_field", textField, other.textField)
        compare("format", format ?? "auto", other.format ?? "auto")
        compare("token_type", tokenType ?? "none", other.tokenType ?? "none")
        compare("packed", packed ?? false, other.packed ?? false)
        compare("tokenizer.beginning_of_text", tokenizer.beginningOfText.map(String.init) ?? "none",
                other.tokenizer.beginningOfText.map(String.init) ?? "none")
        compare("strict", strict, other.strict)
        compare("tokenizer.file", tokenizer.file, other.tokenizer.file)
        compare("tokenizer.sha256", tokenizer.sha256, other.tokenizer.sha256)
        compare("tokenizer.pattern", tokenizer.pattern, other.tokenizer.pattern)
        compare("classes.file", classes?.file ?? "none", other.classes?.file ?? "none")
        compare("classes.sha256", classes?.sha256 ?? "none", other.classes?.sha256 ?? "none")
        compare("part", part?.description ?? "none", other.part?.description ?? "none")
        if inputs != other.inputs {
            let mine = Set(inputs.map { "\($0.path) (\($0.bytes) bytes)" }), theirs = Set(other.inputs.map { "\($0.path) (\($0.bytes) bytes)" })
            let first = mine.subtracting(theirs).sorted().first ?? theirs.subtracting(mine).sorted().first ?? "their order"
            result.append("inputs: \(inputs.count) files here, \(other.inputs.count) there; first difference: \(first)")
        }
        return result
    }

    public init(seqLen: Int, windowLength: Int, scope: MatchScope, valFraction: Double, windowsPerFrame: Int, level: Int, unitBytes: Int, textField: String, format: String? = nil, tokenType: String? = nil, packed: Bool? = nil, strict: Bool, tokenizer: TokenizerIdentity, classes: ClassMapIdentity? = nil, inputs: [InputFile], part: PartIdentity? = nil) {
        self.seqLen = seqLen
        self.windowLength = windowLength
        self.scope = scope
        self.valFraction = valFraction
        self.windowsPerFrame = windowsPerFrame
        self.level = level
        self.unitBytes = unitBytes
        self.textField = textField
        self.format = format
        self.tokenType = tokenType
        self.packed = packed
        self.strict = strict
        self.tokenizer = tokenizer
        self.classes = classes
        self.inputs = inputs
        self.part = part
    }
}

public struct ShardEntry: Codable, Equatable, Sendable {
    public var file: String
    public var windows: Int
    public var bytes: Int
    public var sha256: String

    public init(file: String, windows: Int, bytes: Int, sha256: String) {
        self.file = file
        self.windows = windows
        self.bytes = bytes
        self.sha256 = sha256
    }
}

/// What one work unit produced for one split.
public struct UnitSplit: Codable, Equatable, Sendable {
    public var documents: Int
    /// Tokens of the split's documents, each followed by end-of-text.
    public var tokens: Int
    public var windows: Int
    /// Tokens at the end of the unit that fill no whole window.
    public var droppedTailTokens: Int
    /// Targets (positions 1 … seq_len of every window) and how many of them `hapax` n = 2 drops.
    public var targets: Int
    public var hapaxDropped: Int
    public var shard: ShardEntry?

    public init(documents: Int, tokens: Int, windows: Int, droppedTailTokens: Int, targets: Int, hapaxDropped: Int, shard: ShardEntry?) {
        self.documents = documents
        self.tokens = tokens
        self.windows = windows
        self.droppedTailTokens = droppedTailTokens
        self.targets = targets
        self.hapaxDropped = hapaxDropped
        self.shard = shard
    }
}

/// A work unit's name: its block of the input layout and its place among the block's units, as in
/// `train-00012-000.hapax`.
public struct UnitName: Equatable, Sendable, CustomStringConvertible {
    public var block: Int
    public var index: Int

    public init(block: Int, index: Int) {
        self.block = block
        self.index = index
    }

    public var description: String { String(format: "%05d-%03d", block, index) }

    /// The unit a file of a shard folder belongs to: a shard `SPLIT-BLOCK-INDEX.hapax` or a unit
    /// record `unit-BLOCK-INDEX.json`; nil for any other name.
    public init?(fileName name: String) {
        let kinds = [".hapax": Split.allCases.map(\.rawValue), ".json": ["unit"]]
        guard let (suffix, prefixes) = kinds.first(where: { name.hasSuffix($0.key) }) else { return nil }
        let fields = name.dropLast(suffix.count).split(separator: "-", omittingEmptySubsequences: false)
        guard fields.count == 3, prefixes.contains(String(fields[0])),
              let block = Int(fields[1]), let index = Int(fields[2]), block >= 0, index >= 0 else { return nil }
        self.init(block: block, index: index)
    }
}

/// A finished work unit: written after its shards, so its presence means they are complete.
public struct UnitRecord: SelfChecked, Equatable, Sendable {
    public var block: Int
    /// The unit's place among its block's units.
    public var unit: Int
    public var textBytes: Int
    /// SHA-256 of the unit's documents and their places (docs/FORMAT.md); a rerun reuses the unit
    /// only if it matches.
    public var documentsSha256: String?
    public var replacedSequences: Int
    public var skippedLines: Int
    public var splits: [String: UnitSplit]
    public var checksum: String?

    public init(block: Int, unit: Int, textBytes: Int, replacedSequences: Int, skippedLines: Int, splits: [String: UnitSplit]) {
        self.block = block
        self.unit = unit
        self.textBytes = textBytes
        self.replacedSequences = replacedSequences
        self.skippedLines = skippedLines
        self.splits = splits
    }
}

public struct SplitSummary: Codable, Equatable, Sendable {
    public var documents: Int
    public var windows: Int
    public var targets: Int
    public var hapaxDropped: Int
    public var shards: [ShardEntry]

    public init(documents: Int, windows: Int, targets: Int, hapaxDropped: Int, shards: [ShardEntry]) {
        self.documents = documents
        self.windows = windows
        self.targets = targets
        self.hapaxDropped = hapaxDropped
        self.shards = shards
    }
}

public struct Statistics: Codable, Equatable, Sendable {
    public var documents: Int
    public var textBytes: Int
    public var tokens: Int
    public var droppedTailTokens: Int
    public var replacedSequences: Int
    public var skippedLines: Int
    public var hapaxDroppedShare: Double
    public var shardBytes: Int
    /// Shard bytes per token represented (windows × seq_len), match lengths included.
    public var bytesPerToken: Double

    public init(documents: Int, textBytes: Int, tokens: Int, droppedTailTokens: Int, replacedSequences: Int, skippedLines: Int, hapaxDroppedShare: Double, shardBytes: Int, bytesPerToken: Double) {
        self.documents = documents
        self.textBytes = textBytes
        self.tokens = tokens
        self.droppedTailTokens = droppedTailTokens
        self.replacedSequences = replacedSequences
        self.skippedLines = skippedLines
        self.hapaxDroppedShare = hapaxDroppedShare
        self.shardBytes = shardBytes
        self.bytesPerToken = bytesPerToken
    }
}

public struct Manifest: Codable, Equatable, Sendable {
    public static let formatName = "hapax-shards"
    public var format: String
    public var formatVersion: Int
    public var parameters: RunParameters
    public var units: Int
    public var splits: [String: SplitSummary]
    public var statistics: Statistics

    public static let fileName = "manifest.json"
    public static let parametersFileName = "parameters.json"
    public static let unitsFolder = "units"

    public init(format: String, formatVersion: Int, parameters: RunParameters, units: Int, splits: [String: SplitSummary], statistics: Statistics) {
        self.format = format
        self.formatVersion = formatVersion
        self.parameters = parameters
        self.units = units
        self.splits = splits
        self.statistics = statistics
    }
}

/// JSON with snake_case keys, sorted, so that equal values give equal bytes.
public enum ManifestJSON {
    /// Numbers that are not finite (a diverged model's losses) are written as `null`.
    public static func encode<T: Encodable>(_ value: T) -> [UInt8] { encode(value, formatting: [.prettyPrinted]) }

    /// The same on one line, for JSON Lines files.
    public static func line<T: Encodable>(_ value: T) -> [UInt8] { encode(value, formatting: []) }

    private static func encode<T: Encodable>(_ value: T, formatting: JSONEncoder.OutputFormatting) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = formatting.union([.sortedKeys, .withoutEscapingSlashes])
        let marker = "hapax-not-finite"
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: marker, negativeInfinity: marker, nan: marker)
        let text = String(decoding: try! encoder.encode(value), as: UTF8.self).replacingOccurrences(of: "\"\(marker)\"", with: "null")
        return Array(text.utf8) + [UInt8(ascii: "\n")]
    }

    public static func decode<T: Decodable>(_ type: T.Type, from path: String) throws(ShardError) -> T {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ShardError("\(path): cannot read: \((error as NSError).localizedFailureReason ?? error.localizedDescription)")
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do { return try decoder.decode(type, from: data) } catch {
            throw ShardError("\(path): \(describeDecodingError(error))")
        }
    }

    static func describeDecodingError(_ error: Error) -> String {
        switch error as? DecodingError {
        case .keyNotFound(let key, let context)?:
            return "missing key \(path(context.codingPath + [key]))"
        case .typeMismatch(let type, let context)?, .valueNotFound(let type, let context)?:
            return "\(path(context.codingPath)): expected \(type)"
        case .dataCorrupted(let context)?:
            return context.codingPath.isEmpty ? "not valid JSON" : "\(path(context.codingPath)): \(context.debugDescription)"
        default:
            return "\(error)"
        }
    }

    private static func path(_ keys: [CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
}
