/// Dense labels for the distinct tokens of one segment, in order of first appearance, so that the
/// suffix automaton keeps the root's transitions in an array by label.
///
/// Ids below `directLimit` (every tokenizer's: the largest vocabularies have 262,144 ids) index a
/// table directly, which is never cleared: each entry holds the generation that last labelled it.
/// Whether a token is new is then a select rather than a branch; in text it is new about half the
/// time, in no order a branch predictor learns, and the branch cost more than the rest of the
/// labelling. Larger ids go through a dictionary.
final class TokenLabels {
    static let directLimit = 1 << 20

    /// Per id: the generation that last labelled it (high half) and its label then (low half).
    private var entries = UnsafeMutableBufferPointer<UInt64>(start: nil, count: 0)
    private var generation: UInt64 = 0

    deinit { entries.deallocate() }

    /// Writes the label of each of `tokens` to `labels` and returns how many distinct ones there are.
    func label(_ tokens: UnsafeBufferPointer<UInt32>, into labels: UnsafeMutablePointer<Int32>) -> Int {
        var largest: UInt32 = 0
        for token in tokens { largest = max(largest, token) }
        guard Int(largest) < Self.directLimit else { return labelThroughDictionary(tokens, into: labels) }
        if Int(largest) >= entries.count {
            entries.deallocate()
            entries = .allocate(capacity: min(max(Int(largest) + 1, 2 * entries.count), Self.directLimit))
            entries.initialize(repeating: 0)
            generation = 0
        }
        generation += 1
        if generation == 1 << 32 {
            entries.update(repeating: 0)
            generation = 1
        }
        let entry = entries.baseAddress!, stamp = generation << 32
        var count: UInt64 = 0
        for t in tokens.indices {
            let token = Int(tokens[t])
            let seen = entry[token]
            let isNew = seen & ~0xFFFF_FFFF != stamp
            let label = isNew ? count : seen & 0xFFFF_FFFF
            entry[token] = stamp | label
            count &+= isNew ? 1 : 0
            labels[t] = Int32(truncatingIfNeeded: label)
        }
        return Int(count)
    }

    private func labelThroughDictionary(_ tokens: UnsafeBufferPointer<UInt32>, into labels: UnsafeMutablePointer<Int32>) -> Int {
        var seen: [UInt32: Int32] = [:]
        for t in tokens.indices {
            let next = Int32(seen.count)
            labels[t] = seen[tokens[t], default: next]
            seen[tokens[t]] = labels[t]
        }
        return seen.count
    }
}
