/// The byte strings of a vocabulary's ids, all in one arena. A hundred thousand small arrays cost a
/// process more to allocate and free than the rest of loading a rank file; one arena costs two.
/// An id without a spelling (unused, or a special token's) has an empty one.
struct TokenSpellings: Sendable {
    private(set) var arena: [UInt8] = []
    /// Id k's spelling is `arena[starts[k]..<starts[k + 1]]`.
    private(set) var starts: [Int] = [0]

    init() {}

    /// Id k's spelling is `arena[starts[k]..<starts[k + 1]]`; `starts` begins at 0 and never falls.
    init(arena: [UInt8], starts: [Int]) {
        self.arena = arena
        self.starts = starts
    }

    init(_ tokens: [[UInt8]?]) {
        starts.reserveCapacity(tokens.count + 1)
        for token in tokens { append(token ?? []) }
    }

    var count: Int { starts.count - 1 }

    subscript(id: Int) -> ArraySlice<UInt8> { arena[starts[id]..<starts[id + 1]] }

    func isEmpty(_ id: Int) -> Bool { starts[id] == starts[id + 1] }

    mutating func append<S: Sequence>(_ spelling: S) where S.Element == UInt8 {
        arena.append(contentsOf: spelling)
        starts.append(arena.count)
    }

    /// Appends the spelling `write` appends to the arena, or nothing when it returns false.
    mutating func append(decoding write: (inout [UInt8]) -> Bool) -> Bool {
        let mark = arena.count
        guard write(&arena) else {
            arena.removeSubrange(mark...)
            return false
        }
        starts.append(arena.count)
        return true
    }

    /// Empty spellings until the count is `count`.
    mutating func pad(to count: Int) {
        while self.count < count { starts.append(arena.count) }
    }

    /// The same spellings, with `replacements[id]` in place of id's own (ids below `count`). Where
    /// nothing changes (a rank file's special tokens, already empty), these spellings themselves,
    /// sharing their memory: a copy is megabytes.
    func replacing(_ replacements: [Int: [UInt8]]) -> TokenSpellings {
        let replacements = replacements.filter { !self[$0.key].elementsEqual($0.value) }
        if replacements.isEmpty { return self }
        var result = TokenSpellings()
        result.arena.reserveCapacity(arena.count)
        result.starts.reserveCapacity(starts.count)
        var next = 0
        for (id, spelling) in replacements.sorted(by: { $0.key < $1.key }) {
            result.append(spellingsOf: self, ids: next..<id)
            result.append(spelling)
            next = id + 1
        }
        result.append(spellingsOf: self, ids: next..<count)
        return result
    }

    private mutating func append(spellingsOf other: TokenSpellings, ids: Range<Int>) {
        guard !ids.isEmpty else { return }
        let shift = arena.count - other.starts[ids.lowerBound]
        arena.append(contentsOf: other.arena[other.starts[ids.lowerBound]..<other.starts[ids.upperBound]])
        starts.append(contentsOf: other.starts[(ids.lowerBound + 1)...ids.upperBound].lazy.map { $0 + shift })
    }
}
