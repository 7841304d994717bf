/// `tokenizers`' `UnicodeScripts` pre-tokenizer (pre_tokenizers/unicode_scripts; oracle: tokenizers
/// 0.22): a cut before each character whose script differs from that of the last character that has
/// a script.
///
/// The scripts are those of the pre-tokenizer's own table, not of the Swift toolchain: Unicode 9.0's,
/// with Hiragana, Katakana and U+30FC (the prolonged sound mark) counted as Han, and the space and
/// every code point the table leaves out (all those assigned after 9.0) of no script, "Any". A
/// character of no script never starts a piece; it joins the piece before. Characters of no script
/// at the start of a stretch, before the first that has one, are in no piece: `tokenizers` makes its
/// pieces from the first cut on and drops them (so " ab" is "ab", and "  " nothing).
/// `runs` (UnicodeScriptTable.swift) is written by tools/generate_unicode_scripts.py from the oracle.
enum UnicodeScripts {
    /// Calls `body` with the byte range of every piece of the valid UTF-8 `bytes`, in order.
    static func forEachPiece(of bytes: UnsafeBufferPointer<UInt8>, _ body: (Range<Int>) -> Void) {
        var pieceStart: Int?
        var lastScript: UInt8 = any
        var i = 0
        while i < bytes.count {
            let (scalar, width) = PieceCutter.scalar(in: bytes, at: i)
            let script = script(of: scalar.value)
            if script != any {
                if script != lastScript {
                    if let pieceStart { body(pieceStart..<i) }
                    pieceStart = i
                }
                lastScript = script
            }
            i += width
        }
        if let pieceStart { body(pieceStart..<bytes.count) }
    }

    /// The script number of no script.
    static let any: UInt8 = 0

    /// The script of every code point of the Basic Multilingual Plane, built once from `runs`.
    private static let basicPlane: [UInt8] = {
        var table = [UInt8](repeating: any, count: 0x10000)
        for (k, run) in runs.enumerated() where run >> 8 < 0x10000 {
            let end = k + 1 < runs.count ? min(Int(runs[k + 1] >> 8), 0x10000) : 0x10000
            for c in Int(run >> 8)..<end { table[c] = UInt8(truncatingIfNeeded: run) }
        }
        return table
    }()

    static func script(of value: UInt32) -> UInt8 {
        if value < 0x10000 { return basicPlane[Int(value)] }
        guard value < 0x110000 else { return any }
        // The last run starting at or before `value`, by bisection.
        let key = value << 8 | 0xFF
        var low = 0, high = runs.count
        while high - low > 1 {
            let middle = (low + high) / 2
            if runs[middle] <= key { low = middle } else { high = middle }
        }
        return UInt8(truncatingIfNeeded: runs[low])
    }
}
