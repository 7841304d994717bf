import SeededRandom
import Shards

/// Batches of windows from one split, in a seeded shuffle per epoch. Only the permutation of window
/// numbers is held (four bytes a window); windows are read from the shards as needed. The position
/// (epoch, cursor) is all the state, so a resumed run continues the exact same sequence.
public final class WindowLoader {
    public let folder: ShardFolder
    public let split: Split
    public let seed: UInt64
    public let windowCount: Int
    public private(set) var epoch: Int
    public private(set) var cursor: Int
    private var order: [Int32] = []

    public init(folder: ShardFolder, split: Split, seed: UInt64, epoch: Int = 0, cursor: Int = 0) throws(ShardError) {
        self.folder = folder
        self.split = split
        self.seed = seed
        self.windowCount = folder.windowCount(split)
        guard windowCount > 0 else { throw ShardError("\(folder.path): the \(split.rawValue) split has no windows") }
        self.epoch = epoch
        self.cursor = cursor
        order = permutation(epoch)
    }

    private func permutation(_ epoch: Int) -> [Int32] {
        var generator = SplitMix64(seed: SplitMix64.mix(seed &+ UInt64(epoch) &* 0xD1B5_4A32_D192_ED03))
        var order = (0..<windowCount).map(Int32.init)
        for i in stride(from: windowCount - 1, to: 0, by: -1) {
            order.swapAt(i, Int(generator.next() % UInt64(i + 1)))
        }
        return order
    }

    public struct Batch {
        public var windows: [Int]
        /// `windows.count × context` inputs and targets, and the targets' kept flags.
        public var inputs: [UInt32]
        public var targets: [UInt32]
        public var matches: [ArraySlice<UInt8>]
    }

    public func next(_ size: Int) throws(ShardError) -> Batch {
        var batch = Batch(windows: [], inputs: [], targets: [], matches: [])
        for _ in 0..<size {
            if cursor == windowCount {
                epoch += 1
                cursor = 0
                order = permutation(epoch)
            }
            let k = Int(order[cursor])
            cursor += 1
            let (tokens, matches) = try folder.window(split, k)
            batch.windows.append(k)
            batch.inputs += tokens.dropLast()
            batch.targets += tokens.dropFirst()
            batch.matches.append(matches)
        }
        return batch
    }
}
