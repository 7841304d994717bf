import InductionDetector
import Shards

/// Mask statistics of one split, computed by reading every window once.
public struct ShardStatistics: Codable, Sendable {
    public struct Bucket: Codable, Sendable {
        /// Bounds of the bucket: window positions, or document lengths in tokens; `upper` is exclusive.
        public var lower: Int
        public var upper: Int?
        public var targets = 0
        public var dropped = 0
        public var share: Double { targets > 0 ? Double(dropped) / Double(targets) : 0 }
    }

    public struct Bigram: Codable, Sendable {
        public var tokens: [UInt32]
        public var count: Int
    }

    public var windows = 0
    public var targets = 0
    /// Targets each rule drops: `hapax2` … `hapax8`, `repeat`, `offset`.
    public var dropped: [String: Int] = [:]
    /// `hapax` n = 2 by target position in the window.
    public var byPosition: [Bucket] = []
    /// `hapax` n = 2 by the length of the document a target belongs to (a document cut by the end of
    /// its work unit counts with the tokens it kept).
    public var byDocumentLength: [Bucket] = []
    /// The bigrams whose repeats `hapax` n = 2 drops most often.
    public var topDroppedBigrams: [Bigram] = []
    /// In a folder made with token classes: the targets `hapax` n = 2 drops only because of them
    /// (their exact match length, recomputed, is below 2).
    public var addedByClasses: Int?

    public static let rules: [(String, MaskRule)] = (2...8).map { ("hapax\($0)", MaskRule.hapax(n: $0)) }
        + [("repeat", .repeat), ("offset", .offset)]
    static let documentLengthBounds = [1, 128, 512, 2048, 8192, 32768]

    public init(folder: ShardFolder, split: Split, positionBuckets: Int = 8, topBigrams: Int = 20) throws {
        let seqLen = folder.parameters.seqLen, endOfText = folder.parameters.tokenizer.endOfText
        // No more buckets than positions, so that none is empty.
        let positionBuckets = min(positionBuckets, seqLen)
        byPosition = (0..<positionBuckets).map { b in
            Bucket(lower: 1 + (b * seqLen + positionBuckets - 1) / positionBuckets,
                   upper: 1 + ((b + 1) * seqLen + positionBuckets - 1) / positionBuckets)
        }
        let bounds = Self.documentLengthBounds
        byDocumentLength = bounds.indices.map { Bucket(lower: bounds[$0], upper: $0 + 1 < bounds.count ? bounds[$0 + 1] : nil) }
        for (name, _) in Self.rules { dropped[name] = 0 }
        var bigrams: [UInt64: Int] = [:]
        let exact = folder.parameters.classes == nil ? nil : MatchLengthDetector()
        if exact != nil { addedByClasses = 0 }
        var document = (length: 0, targets: 0, dropped: 0)

        func closeDocument() {
            guard document.length > 0 else { return }
            let b = bounds.lastIndex { $0 <= document.length } ?? 0
            byDocumentLength[b].targets += document.targets
            byDocumentLength[b].dropped += document.dropped
            document = (0, 0, 0)
        }

        for entry in folder.shards(split) {
            let reader = try folder.reader(entry)
            for local in 0..<entry.windows {
                let (tokens, matches) = try reader.window(local)
                windows += 1
                targets += seqLen
                if let exact {
                    let exactMatches = exact.matchLengths(Array(tokens), scope: folder.parameters.scope, endOfText: endOfText)
                    addedByClasses! += (1...seqLen).filter { matches[matches.startIndex + $0] >= 2 && exactMatches[$0] < 2 }.count
                }
                matches.withUnsafeBufferPointer { m in
                    for (name, rule) in Self.rules { dropped[name]! += rule.droppedCount(m) }
                    for j in (local == 0 ? 0 : 1)...seqLen {
                        let token = tokens[tokens.startIndex + j]
                        document.length += 1
                        if j >= 1 {
                            let drop = MaskRule.hapax(n: 2).drops(j, m)
                            document.targets += 1
                            byPosition[(j - 1) * positionBuckets / seqLen].targets += 1
                            if drop {
                                document.dropped += 1
                                byPosition[(j - 1) * positionBuckets / seqLen].dropped += 1
                                bigrams[UInt64(tokens[tokens.startIndex + j - 1]) << 32 | UInt64(token), default: 0] += 1
                            }
                        }
                        if token == endOfText { closeDocument() }
                    }
                }
            }
            closeDocument()
        }
        topDroppedBigrams = bigrams.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .prefix(topBigrams).map { Bigram(tokens: [UInt32($0.key >> 32), UInt32(truncatingIfNeeded: $0.key)], count: $0.value) }
    }
}
