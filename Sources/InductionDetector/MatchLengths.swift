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
/// The n-grams ending at `t` are the suffixes of the prefix that ends there, so `m[t]` is the length
/// of the prefix's longest suffix that also ends earlier, which the suffix automaton of the prefix
/// gives at once (`SuffixAutomaton`, built token by token in linear time). Tokens are first
/// relabelled densely: only equality of tokens matters here.
///
/// An instance holds scratch buffers; use one per thread.
public final class MatchLengthDetector {
    public static let maximumStored = 255

    private var labels = TokenLabels()
    private let automaton = SuffixAutomaton()

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
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: n) { dense in
            for t in 0..<n { dense[t] = labels.label(of: tokens[t]) }
            automaton.longestEarlierSuffixes(UnsafeBufferPointer(dense), labelCount: labels.count, cap: Self.maximumStored, into: output)
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
