/// The suffix automaton of a sequence of labels (Blumer et al. 1985), built one label at a time, as
/// the source of match lengths: after label t, the state of the whole prefix links to the state of
/// the prefix's longest suffix that also ends earlier, and that state's length is the match length
/// at t. Building is linear in amortized time: at most 2n states and 3n transitions.
///
/// Each state keeps its transitions in a list; a state that gains more than `listed` of them (a
/// frequent token followed by many others) also puts them in a hash table keyed by state and label.
/// The root's transitions are an array by label. Storage is reused across segments and read through
/// pointers, so that the loop pays no exclusivity checks; the hash table's slots are invalidated by a
/// generation stamp rather than cleared.
final class SuffixAutomaton {
    private static let listed = 4

    private var capacity = 0    // labels a segment may hold
    private var slotCount = 0
    private var generation: UInt32 = 0

    deinit { release() }

    /// `lengths[t]` becomes the length of the longest suffix of `labels[0...t]` that also ends before t,
    /// capped at `cap`. Labels are dense: below `labelCount`, each first seen in increasing order.
    func longestEarlierSuffixes(_ labels: UnsafeBufferPointer<Int32>, labelCount: Int, cap: Int,
                                into lengths: UnsafeMutableBufferPointer<UInt8>) {
        let n = labels.count
        reserve(n)
        generation &+= 1
        if generation == 0 {
            hashStamp.update(repeating: 0)
            generation = 1
        }
        // The pointers and counters live in locals for the loop.
        let length = stateLength, link = stateLink, firstEdge = stateFirstEdge, degree = stateDegree
        let edgeNext = self.edgeNext, edgeLabel = self.edgeLabel, edgeTarget = self.edgeTarget
        let rootEdge = self.rootEdge, hashKey = self.hashKey, hashEdge = self.hashEdge, hashStamp = self.hashStamp
        let stamp = generation, mask = slotCount - 1
        UnsafeMutableBufferPointer(rebasing: rootEdge[0..<labelCount]).update(repeating: -1)
        var states = 1, edges = 0, last: Int32 = 0
        length[0] = 0
        link[0] = -1
        firstEdge[0] = -1
        degree[0] = 0

        @inline(__always) func slot(_ key: UInt64) -> Int { Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 40) & mask }
        @inline(__always) func key(_ state: Int32, _ label: Int32) -> UInt64 { UInt64(UInt32(state)) << 32 | UInt64(UInt32(label)) }

        /// The transition of `state` on `label`, or -1.
        @inline(__always) func edge(_ state: Int32, _ label: Int32) -> Int32 {
            if state == 0 { return rootEdge[Int(label)] }
            if degree[Int(state)] <= Self.listed {
                var e = firstEdge[Int(state)]
                while e >= 0 && edgeLabel[Int(e)] != label { e = edgeNext[Int(e)] }
                return e
            }
            let wanted = key(state, label)
            var s = slot(wanted)
            while hashStamp[s] == stamp {
                if hashKey[s] == wanted { return hashEdge[s] }
                s = (s + 1) & mask
            }
            return -1
        }

        func hash(_ state: Int32, _ e: Int32) {
            let inserted = key(state, edgeLabel[Int(e)])
            var s = slot(inserted)
            while hashStamp[s] == stamp { s = (s + 1) & mask }
            hashStamp[s] = stamp
            hashKey[s] = inserted
            hashEdge[s] = e
        }

        @inline(__always) func addEdge(_ state: Int32, _ label: Int32, _ target: Int32) {
            let e = Int32(edges)
            edges += 1
            edgeLabel[Int(e)] = label
            edgeTarget[Int(e)] = target
            edgeNext[Int(e)] = firstEdge[Int(state)]
            firstEdge[Int(state)] = e
            degree[Int(state)] += 1
            if state == 0 {
                rootEdge[Int(label)] = e
            } else if degree[Int(state)] == Self.listed + 1 {
                var listedEdge = e
                while listedEdge >= 0 {
                    hash(state, listedEdge)
                    listedEdge = edgeNext[Int(listedEdge)]
                }
            } else if degree[Int(state)] > Self.listed + 1 {
                hash(state, e)
            }
        }

        @inline(__always) func newState(length stateLength: Int32, link stateLink: Int32) -> Int32 {
            let state = Int32(states)
            states += 1
            length[Int(state)] = stateLength
            link[Int(state)] = stateLink
            firstEdge[Int(state)] = -1
            degree[Int(state)] = 0
            return state
        }

        for t in 0..<n {
            let label = labels[t]
            let current = newState(length: length[Int(last)] + 1, link: 0)
            var p = last
            while p >= 0 && edge(p, label) < 0 {
                addEdge(p, label, current)
                p = link[Int(p)]
            }
            if p >= 0 {
                let q = edgeTarget[Int(edge(p, label))]
                if length[Int(p)] + 1 == length[Int(q)] {
                    link[Int(current)] = q
                } else {
                    // q also holds longer strings that never end here: split off a clone for the rest.
                    let clone = newState(length: length[Int(p)] + 1, link: link[Int(q)])
                    var e = firstEdge[Int(q)]
                    while e >= 0 {
                        addEdge(clone, edgeLabel[Int(e)], edgeTarget[Int(e)])
                        e = edgeNext[Int(e)]
                    }
                    while p >= 0 {
                        let redirected = edge(p, label)
                        guard redirected >= 0 && edgeTarget[Int(redirected)] == q else { break }
                        edgeTarget[Int(redirected)] = clone
                        p = link[Int(p)]
                    }
                    link[Int(q)] = clone
                    link[Int(current)] = clone
                }
            }
            last = current
            lengths[t] = UInt8(min(Int(length[Int(link[Int(current)])]), cap))
        }
    }

    // Allocated by `reserve`.
    private var stateLength = UnsafeMutableBufferPointer<Int32>(start: nil, count: 0)
    private var stateLink = UnsafeMutableBufferPointer<Int32>(start: nil, count: 0)
    private var stateFirstEdge = UnsafeMutableBufferPointer<Int32>(start: nil, count: 0)
    private var stateDegree = UnsafeMutableBufferPointer<Int32>(start: nil, count: 0)
    private var edgeNext = UnsafeMutableBufferPointer<Int32>(start: nil, count: 0)
    private var edgeLabel = UnsafeMutableBufferPointer<Int32>(start: nil, count: 0)
    private var edgeTarget = UnsafeMutableBufferPointer<Int32>(start: nil, count: 0)
    private var rootEdge = UnsafeMutableBufferPointer<Int32>(start: nil, count: 0)
    private var hashKey = UnsafeMutableBufferPointer<UInt64>(start: nil, count: 0)
    private var hashEdge = UnsafeMutableBufferPointer<Int32>(start: nil, count: 0)
    private var hashStamp = UnsafeMutableBufferPointer<UInt32>(start: nil, count: 0)

    /// Room for a segment of `n` labels.
    private func reserve(_ n: Int) {
        guard n > capacity else { return }
        release()
        capacity = max(n, 2 * capacity)
        let states = 2 * capacity + 2, edges = 3 * capacity + 3
        slotCount = 16
        while slotCount < 2 * edges { slotCount <<= 1 }
        for buffer in [\SuffixAutomaton.stateLength, \.stateLink, \.stateFirstEdge, \.stateDegree] {
            self[keyPath: buffer] = .allocate(capacity: states)
        }
        for buffer in [\SuffixAutomaton.edgeNext, \.edgeLabel, \.edgeTarget] {
            self[keyPath: buffer] = .allocate(capacity: edges)
        }
        rootEdge = .allocate(capacity: capacity)
        hashKey = .allocate(capacity: slotCount)
        hashEdge = .allocate(capacity: slotCount)
        hashStamp = .allocate(capacity: slotCount)
        hashStamp.initialize(repeating: 0)
        generation = 0
    }

    private func release() {
        for buffer in [stateLength, stateLink, stateFirstEdge, stateDegree, edgeNext, edgeLabel, edgeTarget, rootEdge, hashEdge] {
            buffer.deallocate()
        }
        hashKey.deallocate()
        hashStamp.deallocate()
    }
}
