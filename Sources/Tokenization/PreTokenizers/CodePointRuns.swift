/// A byte-sized property of every code point, read from generated runs `start << 8 | value` (each run
/// lasting until the next one's start). The Basic Multilingual Plane, where nearly all text lies, is
/// expanded into a table of 64 KiB, so its lookups are one load; the planes above are bisected.
struct CodePointRuns: Sendable {
    private let runs: [UInt32]
    private let basicPlane: [UInt8]
    /// The value of numbers past U+10FFFF.
    private let outside: UInt8

    init(_ runs: [UInt32], outside: UInt8) {
        var table = [UInt8](repeating: outside, count: 0x10000)
        for (k, run) in runs.enumerated() where run >> 8 < 0x10000 {
            let end = k + 1 < runs.count ? min(Int(runs[k + 1] >> 8), 0x10000) : 0x10000
            for c in Int(run >> 8)..<end { table[c] = UInt8(truncatingIfNeeded: run) }
        }
        self.runs = runs
        basicPlane = table
        self.outside = outside
    }

    @inline(__always)
    subscript(value: UInt32) -> UInt8 {
        if value < 0x10000 { return basicPlane[Int(value)] }
        guard value < 0x110000 else { return outside }
        // The last run starting at or before `value`.
        let key = value << 8 | 0xFF
        var low = 0, high = runs.count
        while high - low > 1 {
            let middle = (low + high) / 2
            if runs[middle] <= key { low = middle } else { high = middle }
        }
        return UInt8(truncatingIfNeeded: runs[low])
    }
}
