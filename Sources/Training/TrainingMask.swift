import InductionDetector
import SeededRandom

/// The loss mask of a training run: a rule over stored match lengths, or a seeded random control.
public enum TrainingMask: Equatable, Sendable, CustomStringConvertible {
    case rule(MaskRule)
    /// Drops target t of window w with probability `p`: when `mix(mix(seed ^ w) ^ t) >> 11` is below
    /// `p · 2^53` (SplitMix64's output function), so the same targets in every epoch and on every machine.
    case random(p: Double, seed: UInt64)

    /// Parses `hapax`, `none`, `repeat`, `offset` or `random:P`; `ngram` is n for `hapax`.
    public init?(_ text: String, ngram: Int, seed: UInt64) {
        switch text {
        case "hapax": self = .rule(.hapax(n: ngram))
        case "none": self = .rule(.none)
        case "repeat": self = .rule(.repeat)
        case "offset": self = .rule(.offset)
        default:
            guard text.hasPrefix("random:"), let p = Double(text.dropFirst(7)), (0...1).contains(p) else { return nil }
            self = .random(p: p, seed: seed)
        }
    }

    /// Whether each target of a window survives: `kept[t - 1]` for target position t = 1 … L-1.
    public func kept(window: Int, matches: ArraySlice<UInt8>) -> [Bool] {
        let length = matches.count
        switch self {
        case .rule(let rule):
            let m = Array(matches)
            return m.withUnsafeBufferPointer { m in (1..<length).map { !rule.drops($0, m) } }
        case .random(let p, let seed):
            let threshold = p * Double(UInt64(1) << 53)
            return (1..<length).map { t in
                let draw = SplitMix64.mix(SplitMix64.mix(seed ^ UInt64(window)) ^ UInt64(t))
                return Double(draw >> 11) >= threshold
            }
        }
    }

    public var description: String {
        switch self {
        case .rule(let rule): return rule.description
        case .random(let p, _): return "random:\(p)"
        }
    }
}
