import COniguruma

/// A regular expression run by Oniguruma exactly as Hugging Face `tokenizers` runs its `Split` and
/// `Replace` patterns (oracle: `tokenizers` 0.22, whose `SysRegex` is the `onig` crate's `Regex`).
///
/// - Compiled as `Regex::new` compiles: UTF-8, `ONIG_OPTION_NONE`, Oniguruma's default syntax
///   (`OnigDefaultSyntax`, the Ruby syntax), with Debian's libonig 6.9.8 (the crate, 6.5.1 in
///   `tokenizers` 0.22.2, bundles an Oniguruma 6.9 of its own).
/// - Matches found as the crate's `find_iter` finds them: each search starts where the last match
///   ended, over the whole text (so look-behind and anchors see what came before). After an empty
///   match the next search starts one character later, and an empty match right after a non-empty
///   one is skipped.
///
/// A compiled regex is only read while searching, so one serves every thread.
public final class OnigurumaRegex: @unchecked Sendable, Equatable, CustomStringConvertible {
    let pattern: String
    /// The pattern as its file wrote it: a regex, or a plain string in quotes.
    public let description: String
    private let regex: OnigRegex

    private static let initialized: Int32 = hapax_onig_initialize()

    /// Compiles `pattern`; the error names `place`, where the file holds it, and gives Oniguruma's message.
    init(_ pattern: String, place: String, description: String? = nil) throws(TokenizerError) {
        _ = Self.initialized
        var compiled: OnigRegex?
        var info = OnigErrorInfo()
        let utf8 = Array(pattern.utf8)
        let status = utf8.withUnsafeBufferPointer { bytes in
            hapax_onig_new(&compiled, bytes.baseAddress, bytes.baseAddress.map { $0 + bytes.count }, &info)
        }
        guard status == ONIG_NORMAL, let compiled else {
            var message = [UInt8](repeating: 0, count: Int(ONIG_MAX_ERROR_MESSAGE_LEN))
            let length = hapax_onig_error_message(&message, status, &info)
            throw TokenizerError("\(place): \(quoted(pattern)) does not compile: \(String(decoding: message.prefix(Int(max(0, length))), as: UTF8.self))")
        }
        self.pattern = pattern
        self.description = description ?? pattern
        self.regex = compiled
    }

    /// A pattern that matches `string` as it is, escaped as `tokenizers` escapes a `String` pattern
    /// (Rust's `regex::escape`) before compiling it with Oniguruma, so that it also matches as theirs does.
    convenience init(literal string: String, place: String) throws(TokenizerError) {
        let special = Set(#"\.+*?()|[]{}^$#&-~"#)
        try self.init(String(string.flatMap { special.contains($0) ? ["\\", $0] : [$0] }), place: place, description: quoted(string))
    }

    deinit { onig_free(regex) }

    public static func == (a: OnigurumaRegex, b: OnigurumaRegex) -> Bool { a.pattern == b.pattern }

    /// Calls `body` with each match of valid UTF-8 `bytes`, in order.
    func forEachMatch(in bytes: UnsafeBufferPointer<UInt8>, _ body: (Range<Int>) -> Void) {
        guard let region = onig_region_new() else { return }
        defer { onig_region_free(region, 1) }
        // An empty buffer may have no address; Oniguruma still needs one to match the empty text.
        var empty: UInt8 = 0
        withUnsafePointer(to: &empty) { placeholder in
            let start = bytes.baseAddress ?? placeholder, end = start + bytes.count
            var from = 0, skipNextEmpty = false
            while from <= bytes.count {
                onig_region_clear(region)
                // A negative result is no match, or a search Oniguruma gave up on (its retry limit).
                guard onig_search(regex, start, end, start + from, end, region, ONIG_OPTION_NONE) >= 0 else { return }
                let matchStart = Int(region.pointee.beg[0]), matchEnd = Int(region.pointee.end[0])
                from = matchEnd
                if matchStart == matchEnd {
                    from += from < bytes.count ? Self.scalarWidth(bytes[from]) : 1
                    if skipNextEmpty {
                        skipNextEmpty = false
                        continue
                    }
                } else {
                    skipNextEmpty = true
                }
                body(matchStart..<matchEnd)
            }
        }
    }

    @inline(__always)
    static func scalarWidth(_ lead: UInt8) -> Int {
        lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
    }
}
