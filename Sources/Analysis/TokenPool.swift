import SeededRandom
import Shards

/// The token ids random probe sequences are drawn from.
///
/// `uniform` is every ordinary id of the vocabulary, as the paper samples. At small scale most of
/// those are rare byte or word-piece tokens the model never learned, so a second pool, `frequent`,
/// holds only ids seen at least `minimumCount` times in (the first windows of) the training split.
public struct TokenPool: Sendable {
    public let ids: [UInt32]

    public init(ids: [UInt32]) { self.ids = ids }

    /// Ids seen at least `minimumCount` times in the first `windows` train windows of `folder`.
    public static func frequent(in folder: ShardFolder, among ordinary: [UInt32], minimumCount: Int = 10,
                                windows: Int = 4096) throws -> TokenPool {
        var counts = [Int](repeating: 0, count: folder.parameters.tokenizer.vocabSize)
        for k in 0..<min(windows, folder.windowCount(.train)) {
            for token in try folder.window(.train, k).tokens.dropFirst() where Int(token) < counts.count { counts[Int(token)] += 1 }
        }
        return TokenPool(ids: ordinary.filter { counts[Int($0)] >= minimumCount })
    }

    /// `count` distinct ids, drawn uniformly from the pool.
    public func distinct(_ count: Int, using generator: inout SplitMix64) -> [UInt32] {
        precondition(count <= ids.count, "the pool holds fewer than \(count) ids")
        var chosen: [UInt32] = [], seen = Set<UInt32>()
        while chosen.count < count {
            let id = ids[Int(generator.next() % UInt64(ids.count))]
            if seen.insert(id).inserted { chosen.append(id) }
        }
        return chosen
    }

    /// `count` sequences of `length` distinct ids each, seeded.
    public func sequences(_ count: Int, length: Int, seed: UInt64) -> [[UInt32]] {
        var generator = SplitMix64(seed: seed)
        return (0..<count).map { _ in distinct(length, using: &generator) }
    }
}
