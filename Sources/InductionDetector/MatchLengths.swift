/// Where an earlier occurrence of an n-gram may lie for it to count as a repeat.
public enum MatchScope: String, Sendable, CaseIterable, Codable {
    /// Anywhere earlier in the same training window, across document boundaries.
    case window
    /// Inside the document that contains the position; documents end with the end-of-text token.
    case document
}

/// Computes Hapax match lengths: `m[t]` is the length of the longest n-gram ending at `t` that also
/// ends at some earlier position `s < t`, both inside the scope; `m[0] = 0`; stored capped at 255.
///
/// On the reversed window, the n-grams ending at `t` are the prefixes of one suffix, and those
/// ending earlier are prefixes of suffixes that start later. So `m[t]` is the longest common prefix
/// of that suffix with any suffix starting after it. In suffix-array order the common prefix with
/// another suffix only shrinks with rank distance, so the best partner on each side is the nearest
/// rank whose suffix starts later: one stack scan over the suffix array finds both, carrying LCP minima.
///
/// An instance holds scratch buffers; use one per thread.
public final class MatchLengthDetector {
    public static let maximumStored = 255

    /// Tokens relabelled densely by first occurrence: only equality of tokens matters here.
    private var labels = TokenLabels()

    public init() {}

    /// The match lengths of `window`, in which `endOfText` separates documents (for document scope).
    public func matchLengths(_ window: [UInt32], scope: MatchScope, endOfText: UInt32) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: window.count)
        window.withUnsafeBufferPointer { window in
            result.withUnsafeMutableBufferPointer { result in
                matchLengths(window, scope: scope, endOfText: endOfText, into: result)
            }
        }
        return result
    }

    public func matchLengths(_ window: UnsafeBufferPointer<UInt32>, scope: MatchScope, endOfText: UInt32,
                             into output: UnsafeMutableBufferPointer<UInt8>) {
        switch scope {
        case .window:
            segment(window, into: output)
        case .document:
            var start = 0
            for t in 0..<window.count where window[t] == endOfText || t == window.count - 1 {
                segment(UnsafeBufferPointer(rebasing: window[start...t]),
                        into: UnsafeMutableBufferPointer(rebasing: output[start...t]))
                start = t + 1
            }
        }
    }

    private func segment(_ tokens: UnsafeBufferPointer<UInt32>, into output: UnsafeMutableBufferPointer<UInt8>) {
        let n = tokens.count
        guard n > 0 else { return }
        // The labels move into a local for the duration, so that the hot loops touch no class state.
        var labels = TokenLabels()
        swap(&labels, &self.labels)
        defer { swap(&labels, &self.labels) }
        labels.reset(capacityFor: n)
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: 5 * n) { scratch in
            let reversed = UnsafeMutableBufferPointer(rebasing: scratch[0..<n])
            let sa = UnsafeMutableBufferPointer(rebasing: scratch[n..<(2 * n)])
            let lcp = UnsafeMutableBufferPointer(rebasing: scratch[(2 * n)..<(3 * n)])
            let stackRank = UnsafeMutableBufferPointer(rebasing: scratch[(3 * n)..<(4 * n)])
            let stackLCP = UnsafeMutableBufferPointer(rebasing: scratch[(4 * n)..<(5 * n)])
            for i in 0..<n { reversed[i] = labels.label(of: tokens[n - 1 - i]) }
            SuffixArray.build(UnsafeBufferPointer(reversed), alphabetSize: labels.count, into: sa)
            SuffixArray.longestCommonPrefixes(UnsafeBufferPointer(reversed), UnsafeBufferPointer(sa), into: lcp)
            // Ranks on the stack have decreasing start positions from bottom to top; each carries the
            // LCP with the entry below it. A rank is popped by the first later rank that starts later;
            // its best match is the larger LCP of the two neighbours. Results land in `output`
            // directly: suffix `position` of the reversed window is the n-gram ending at n - 1 - position.
            var depth = 0
            for i in 0...n {
                var current = i < n ? lcp[i] : 0
                let position = i < n ? sa[i] : Int32.max
                while depth > 0 && position > sa[Int(stackRank[depth - 1])] {
                    depth -= 1
                    let below = stackLCP[depth]
                    let best = max(below, current)
                    output[n - 1 - Int(sa[Int(stackRank[depth])])] = UInt8(min(Int(best), Self.maximumStored))
                    current = min(current, below)
                }
                if i < n {
                    stackRank[depth] = Int32(i)
                    stackLCP[depth] = depth == 0 ? 0 : current
                    depth += 1
                }
            }
        }
    }
}

/// Dense labels for the distinct tokens of one segment, in order of first appearance: an
/// open-addressing table whose slots are invalidated by a generation stamp instead of being cleared.
struct TokenLabels {
    private var keys: [UInt32] = []
    private var values: [Int32] = []
    private var stamps: [UInt32] = []
    private var generation: UInt32 = 0
    private var mask = 0
    private(set) var count = 0

    mutating func reset(capacityFor n: Int) {
        var capacity = 16
        while capacity < 2 * n { capacity <<= 1 }
        if capacity > keys.count {
            keys = [UInt32](repeating: 0, count: capacity)
            values = [Int32](repeating: 0, count: capacity)
            stamps = [UInt32](repeating: 0, count: capacity)
            generation = 0
        }
        mask = keys.count - 1
        generation &+= 1
        if generation == 0 {
            stamps = [UInt32](repeating: 0, count: stamps.count)
            generation = 1
        }
        count = 0
    }

    @inline(__always)
    mutating func label(of token: UInt32) -> Int32 {
        var slot = Int(truncatingIfNeeded: (UInt64(token) &* 0x9E37_79B9_7F4A_7C15) >> 40) & mask
        while stamps[slot] == generation {
            if keys[slot] == token { return values[slot] }
            slot = (slot + 1) & mask
        }
        stamps[slot] = generation
        keys[slot] = token
        values[slot] = Int32(count)
        count += 1
        return values[slot]
    }
}
