/// Token equivalence classes for thresholded Hapax: every token id maps to the id of its class's
/// representative, and match lengths are computed over those labels, so a repeat through similar
/// tokens (` National` after `National`) counts as a repeat. Ids beyond the map are their own class.
public struct TokenClasses: Sendable, Equatable {
    public let classes: [UInt32]

    public init(classes: [UInt32]) { self.classes = classes }

    @inline(__always)
    public func label(_ token: UInt32) -> UInt32 { Int(token) < classes.count ? classes[Int(token)] : token }
}

extension MatchLengthDetector {
    /// The match lengths of `window` over the class labels of its tokens (stored tokens keep their
    /// ids; only equality changes). `endOfText` must be alone in its class for document scope.
    public func matchLengths(_ window: UnsafeBufferPointer<UInt32>, scope: MatchScope, endOfText: UInt32, classes: TokenClasses?,
                             into output: UnsafeMutableBufferPointer<UInt8>) {
        guard let classes else { return matchLengths(window, scope: scope, endOfText: endOfText, into: output) }
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: window.count) { labels in
            for i in window.indices { labels[i] = classes.label(window[i]) }
            matchLengths(UnsafeBufferPointer(labels), scope: scope, endOfText: classes.label(endOfText), into: output)
        }
    }

    public func matchLengths(_ window: [UInt32], scope: MatchScope, endOfText: UInt32, classes: TokenClasses?) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: window.count)
        window.withUnsafeBufferPointer { window in
            result.withUnsafeMutableBufferPointer { matchLengths(window, scope: scope, endOfText: endOfText, classes: classes, into: $0) }
        }
        return result
    }
}
