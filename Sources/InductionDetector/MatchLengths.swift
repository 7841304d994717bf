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

    private let labels = TokenLabels()
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
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: n) { dense in
            let labelCount = labels.label(tokens, into: dense.baseAddress!)
            automaton.longestEarlierSuffixes(UnsafeBufferPointer(dense), labelCount: labelCount, cap: Self.maximumStored, into: output)
        }
    }
}
