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

    private static let table = CodePointRuns(runs, outside: any)

    @inline(__always)
    static func script(of value: UInt32) -> UInt8 { table[value] }
}
