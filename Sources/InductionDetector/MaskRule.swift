/// Which targets leave the loss, derived from stored match lengths (docs/FORMAT.md, section 1).
public enum MaskRule: Sendable, Equatable, CustomStringConvertible {
    /// The n a `hapax` rule may take: stored match lengths are capped at 255, so a larger n would
    /// never drop anything, and n = 0 would drop everything.
    public static let ngramRange = 1...MatchLengthDetector.maximumStored

    /// Dropped when the n-gram ending at the target occurred earlier: `m[t] >= n` (the paper: n = 2).
    case hapax(n: Int)
    /// Dropped when the token itself occurred earlier: `m[t] >= 1`.
    case `repeat`
    /// Dropped right after a repeated token: `t >= 2` and `m[t-1] >= 1`.
    case offset
    /// Never dropped: the vanilla baseline.
    case none

    /// Whether target position `t` (t >= 1) of a window with match lengths `m` is dropped.
    @inlinable @inline(__always)
    public func drops(_ t: Int, _ m: UnsafeBufferPointer<UInt8>) -> Bool {
        switch self {
        case .hapax(let n): return Int(m[t]) >= n
        case .repeat: return m[t] >= 1
        case .offset: return t >= 2 && m[t - 1] >= 1
        case .none: return false
        }
    }

    /// How many of the targets `1..<m.count` the rule drops.
    public func droppedCount(_ m: UnsafeBufferPointer<UInt8>) -> Int {
        // One plain count per rule, which the compiler vectorizes (`shard` counts every window).
        func count(_ range: Range<Int>, atLeast n: Int) -> Int {
            guard n <= MatchLengthDetector.maximumStored, !range.isEmpty else { return 0 }
            let threshold = UInt8(n)
            var dropped = 0
            for t in range { dropped &+= m[t] >= threshold ? 1 : 0 }
            return dropped
        }
        switch self {
        case .hapax(let n): return count(1..<max(m.count, 1), atLeast: n)
        case .repeat: return count(1..<max(m.count, 1), atLeast: 1)
        case .offset: return count(1..<max(m.count - 1, 1), atLeast: 1)
        case .none: return 0
        }
    }

    public var description: String {
        switch self {
        case .hapax(let n): return "hapax n=\(n)"
        case .repeat: return "repeat"
        case .offset: return "offset"
        case .none: return "none"
        }
    }
}
