/// The suffix automaton of a sequence of labels (Blumer et al. 1985), built one label at a time, as
/// the source of match lengths: after label t, the state of the whole prefix links to the state of
/// the prefix's longest suffix that also ends earlier, and that state's length is the match length
/// at t. Building is linear in amortized time: at most 2n states and 3n transitions.
///
/// Each state keeps its transitions in a list; a state that gains more than `listed` of them (a
/// frequent token followed by many others) also puts them in a hash table keyed by state and label.
/// The root's transitions are an array by label. Storage is reused across segments and read through
/// pointers, so that the loop pays no exclusivity checks; the hash table's slots are invalidated by a
/// generation stamp rather than cleared. A state's fields, an edge's and a slot's lie together: the
/// loop is a chain of dependent loads, and each then touches one cache line.
final class SuffixAutomaton {
    private static let listed = 4

    private struct State {
        var length: Int32
        var link: Int32
        var firstEdge: Int32
        var degree: Int32
    }

    private struct Edge {
        var label: Int32
        var target: Int32
        var next: Int32
    }

    private struct Slot {
        var key: UInt64
        var edge: Int32
        var stamp: UInt32
    }

    private var capacity = 0    // labels a segment may hold
    private var generation: UInt32 = 0
    private var states = UnsafeMutableBufferPointer<State>(start: nil, count: 0)
    private var edges = UnsafeMutableBufferPointer<Edge>(start: nil, count: 0)
    private var rootEdge = UnsafeMutableBufferPointer<Int32>(start: nil, count: 0)
    private var slots = UnsafeMutableBufferPointer<Slot>(start: nil, count: 0)

    deinit { release() }

    /// `lengths[t]` becomes the length of the longest suffix of `labels[0...t]` that also ends before t,
    /// capped at `cap`. Labels are dense: below `labelCount`, each first seen in increasing order.
    func longestEarlierSuffixes(_ labels: UnsafeBufferPointer<Int32>, labelCount: Int, cap: Int,
                                into lengths: UnsafeMutableBufferPointer<UInt8>) {
        let n = labels.count
        reserve(n)
        generation &+= 1
        if generation == 0 {
            for s in slots.indices { slots[s].stamp = 0 }
            generation = 1
        }
        // The pointers and counters live in locals for the loop.
        let state = states.baseAddress!, edge = edges.baseAddress!, rootEdge = self.rootEdge.baseAddress!, slot = slots.baseAddress!
        let stamp = generation, mask = slots.count - 1
        rootEdge.update(repeating: -1, count: labelCount)
        var stateCount = 1, edgeCount = 0, last: Int32 = 0
        state[0] = State(length: 0, link: -1, firstEdge: -1, degree: 0)

        @inline(__always) func home(_ key: UInt64) -> Int { Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 40) & mask }
        @inline(__always) func key(_ s: Int32, _ label: Int32) -> UInt64 { UInt64(UInt32(s)) << 32 | UInt64(UInt32(label)) }

        /// The transition of state `s` on `label`, or -1.
        @inline(__always) func find(_ s: Int32, _ label: Int32) -> Int32 {
            s == 0 ? rootEdge[Int(label)] : findBelowRoot(s, label)
        }

        /// `find` for a state other than the root.
        @inline(__always) func findBelowRoot(_ s: Int32, _ label: Int32) -> Int32 {
            let from = state[Int(s)]
            if from.degree <= Self.listed {
                var e = from.firstEdge
                while e >= 0 && edge[Int(e)].label != label { e = edge[Int(e)].next }
                return e
            }
            let wanted = key(s, label)
            var h = home(wanted)
            while slot[h].stamp == stamp {
                if slot[h].key == wanted { return slot[h].edge }
                h = (h + 1) & mask
            }
            return -1
        }

        func hash(_ s: Int32, _ e: Int32) {
            let inserted = key(s, edge[Int(e)].label)
            var h = home(inserted)
            while slot[h].stamp == stamp { h = (h + 1) & mask }
            slot[h] = Slot(key: inserted, edge: e, stamp: stamp)
        }

        @inline(__always) func addEdge(_ s: Int32, _ label: Int32, _ target: Int32) {
            let e = Int32(edgeCount)
            edgeCount += 1
            edge[Int(e)] = Edge(label: label, target: target, next: state[Int(s)].firstEdge)
            state[Int(s)].firstEdge = e
            state[Int(s)].degree += 1
            let degree = state[Int(s)].degree
            if s == 0 {
                rootEdge[Int(label)] = e
            } else if degree == Self.listed + 1 {
                var listedEdge = e
                while listedEdge >= 0 {
                    hash(s, listedEdge)
                    listedEdge = edge[Int(listedEdge)].next
                }
            } else if degree > Self.listed + 1 {
                hash(s, e)
            }
        }

        @inline(__always) func newState(length: Int32, link: Int32) -> Int32 {
            let s = Int32(stateCount)
            stateCount += 1
            state[Int(s)] = State(length: length, link: link, firstEdge: -1, degree: 0)
            return s
        }

        for t in 0..<n {
            let label = labels[t]
            // The whole prefix before t is t labels long.
            let current = newState(length: Int32(t) + 1, link: 0)
            // The state of the whole prefix before t was made at t - 1 and has no transitions yet.
            addEdge(last, label, current)
            // Up the suffix links, giving each state without a transition on label one to current,
            // until a state has one. The root is tried after the loop, not tested for in it: whether
            // a walk reaches the root follows no pattern, and each such test was a misprediction.
            var p = state[Int(last)].link, e: Int32 = -1
            while p > 0 {
                e = findBelowRoot(p, label)
                if e >= 0 { break }
                addEdge(p, label, current)
                p = state[Int(p)].link
            }
            if p == 0 {
                e = rootEdge[Int(label)]
                if e < 0 {
                    addEdge(0, label, current)
                    p = -1
                }
            }
            // current links to a state of length(p) + 1, q or its clone, or with no p to the root.
            var matched: Int32 = 0
            if p >= 0 {
                matched = state[Int(p)].length + 1
                let q = edge[Int(e)].target
                if matched == state[Int(q)].length {
                    state[Int(current)].link = q
                } else {
                    // q also holds longer strings that never end here: split off a clone for the rest.
                    let clone = newState(length: matched, link: state[Int(q)].link)
                    var copied = state[Int(q)].firstEdge
                    while copied >= 0 {
                        addEdge(clone, edge[Int(copied)].label, edge[Int(copied)].target)
                        copied = edge[Int(copied)].next
                    }
                    edge[Int(e)].target = clone
                    p = state[Int(p)].link
                    while p >= 0 {
                        let redirected = find(p, label)
                        guard redirected >= 0 && edge[Int(redirected)].target == q else { break }
                        edge[Int(redirected)].target = clone
                        p = state[Int(p)].link
                    }
                    state[Int(q)].link = clone
                    state[Int(current)].link = clone
                }
            }
            last = current
            lengths[t] = UInt8(min(Int(matched), cap))
        }
    }

    /// Room for a segment of `n` labels.
    private func reserve(_ n: Int) {
        guard n > capacity else { return }
        release()
        capacity = max(n, 2 * capacity)
        let edgeCapacity = 3 * capacity + 3
        var slotCount = 16
        while slotCount < 2 * edgeCapacity { slotCount <<= 1 }
        states = .allocate(capacity: 2 * capacity + 2)
        edges = .allocate(capacity: edgeCapacity)
        rootEdge = .allocate(capacity: capacity)
        slots = .allocate(capacity: slotCount)
        slots.initialize(repeating: Slot(key: 0, edge: 0, stamp: 0))
        generation = 0
    }

    private func release() {
        states.deallocate()
        edges.deallocate()
        rootEdge.deallocate()
        slots.deallocate()
    }
}
