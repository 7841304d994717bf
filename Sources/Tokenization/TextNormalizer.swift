import Foundation

/// A Hugging Face normalizer: steps applied in order to the text before it is pre-tokenized.
///
/// Unicode normalization is Foundation's (`precomposedStringWithCanonicalMapping` and its three
/// siblings, which swift-foundation computes with the Swift standard library's Unicode tables). It
/// only runs on the stretches that need it: every ASCII character is a starter that nothing composes
/// with, so a text cut before any ASCII character normalizes piece by piece to the same result, and
/// ASCII itself is left as it is by all four forms.
public struct TextNormalizer: Sendable, Equatable {
    public enum Step: Sendable, Equatable {
        case nfc, nfd, nfkc, nfkd
        case lowercase
        /// Puts the string before any text that is not empty.
        case prepend(String)
        /// Replaces every occurrence of a string, left to right.
        case replace(String, with: String)
        /// Replaces every match of a regex (`RegexReplacement.swift`).
        case replaceMatches(OnigurumaRegex, with: String)
        /// SentencePiece's `remove_extra_whitespaces`: drops spaces at the start and the end, and
        /// each space that follows another.
        case collapseSpaces
        /// Drops every occurrence of a string at the end (SentencePiece's `remove_extra_whitespaces`
        /// after escaping, which also drops a `▁` that was in the text).
        case stripTrailing(String)
    }

    public let steps: [Step]

    public init(_ steps: [Step]) { self.steps = steps }

    public var isIdentity: Bool { steps.isEmpty }

    public func normalize(_ text: String) -> String {
        steps.reduce(text) { text, step in Self.apply(step, to: text) }
    }

    private static func apply(_ step: Step, to text: String) -> String {
        switch step {
        case .nfc: return unicodeNormalized(text, leaving: isUnchangedByNFC) { $0.precomposedStringWithCanonicalMapping }
        case .nfd: return unicodeNormalized(text, leaving: { _ in false }) { $0.decomposedStringWithCanonicalMapping }
        case .nfkc: return unicodeNormalized(text, leaving: { _ in false }) { $0.precomposedStringWithCompatibilityMapping }
        case .nfkd: return unicodeNormalized(text, leaving: { _ in false }) { $0.decomposedStringWithCompatibilityMapping }
        case .lowercase: return lowercased(text)
        case .prepend(let prefix): return text.isEmpty ? text : prefix + text
        case .replace(let pattern, let replacement): return replacing(pattern, with: replacement, in: text)
        case .replaceMatches(let regex, let replacement): return regex.replacingMatches(in: text, with: replacement)
        case .collapseSpaces:
            var result: [UInt8] = []
            result.reserveCapacity(text.utf8.count)
            for byte in text.utf8 where byte != UInt8(ascii: " ") || (result.last.map { $0 != UInt8(ascii: " ") } ?? false) {
                result.append(byte)
            }
            if result.last == UInt8(ascii: " ") { result.removeLast() }
            return String(decoding: result, as: UTF8.self)
        case .stripTrailing(let suffix):
            guard !suffix.isEmpty else { return text }
            var bytes = Array(text.utf8)
            let tail = Array(suffix.utf8)
            while bytes.count >= tail.count && bytes.suffix(tail.count).elementsEqual(tail) { bytes.removeLast(tail.count) }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// Byte-wise, as Rust's `str::replace`: Foundation's replacing would respect grapheme clusters,
    /// and not replace the `e` of a decomposed `é`. Written straight into the new string's storage:
    /// SentencePiece's forms replace every space of every text.
    private static func replacing(_ pattern: String, with replacement: String, in text: String) -> String {
        let needle = Array(pattern.utf8), substitute = Array(replacement.utf8)
        var text = text
        return text.withUTF8 { bytes -> String in
            guard !needle.isEmpty, bytes.count >= needle.count else { return String(decoding: bytes, as: UTF8.self) }
            func matches(at i: Int) -> Bool {
                bytes[i] == needle[0] && i + needle.count <= bytes.count
                    && (needle.count == 1 || memcmp(bytes.baseAddress! + i, needle, needle.count) == 0)
            }
            var occurrences = 0, i = 0
            while i < bytes.count {
                if matches(at: i) { occurrences += 1; i += needle.count } else { i += 1 }
            }
            guard occurrences > 0 else { return String(decoding: bytes, as: UTF8.self) }
            let capacity = bytes.count + occurrences * max(0, substitute.count - needle.count)
            return String(unsafeUninitializedCapacity: capacity) { out in
                var i = 0, j = 0
                while i < bytes.count {
                    if matches(at: i) {
                        for byte in substitute { out[j] = byte; j += 1 }
                        i += needle.count
                    } else {
                        out[j] = bytes[i]
                        j += 1
                        i += 1
                    }
                }
                return j
            }
        }
    }

    /// Whether NFC leaves a run of non-ASCII bytes as it is, by a check that is quick and sure when it
    /// says yes: every scalar is in one of `nfcStableRanges`.
    private static func isUnchangedByNFC(_ run: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        while i < run.count {
            let lead = UInt32(run[i])
            let (scalar, width): (UInt32, Int)
            switch lead {
            case 0xC0..<0xE0: (scalar, width) = ((lead & 0x1F) << 6 | UInt32(run[i + 1] & 0x3F), 2)
            case 0xE0..<0xF0: (scalar, width) = ((lead & 0x0F) << 12 | UInt32(run[i + 1] & 0x3F) << 6 | UInt32(run[i + 2] & 0x3F), 3)
            default: return false
            }
            guard nfcStableRanges.contains(where: { $0.contains(scalar) }) else { return false }
            i += width
        }
        return true
    }

    /// Scalars that NFC keeps, that are starters, and with which nothing before them composes, so a
    /// run of them is left as it is: Latin-1 and the Latin extensions, dashes, curly quotes and the
    /// ellipsis, kana, CJK ideographs and Hangul syllables. (Combining marks, the voicing marks of
    /// kana and the trailing jamo of Hangul, which compose with what comes before, are not among them.)
    private static let nfcStableRanges: [ClosedRange<UInt32>] = [
        0x80...0x2FF, 0x2010...0x205F, 0x3041...0x3096, 0x30A1...0x30FA, 0x4E00...0x9FFF, 0xAC00...0xD7A3,
    ]

    /// `form` applied to each stretch from the ASCII character before a run of non-ASCII bytes (it
    /// may compose with what follows) to the end of that run, unless `unchanged` says the form leaves
    /// the run as it is; the rest is copied.
    private static func unicodeNormalized(_ text: String, leaving unchanged: (UnsafeBufferPointer<UInt8>) -> Bool,
                                          _ form: (String) -> String) -> String {
        guard text.utf8.contains(where: { $0 >= 0x80 }) else { return text }
        var text = text
        return text.withUTF8 { bytes in
            let firstNonASCII = bytes.firstIndex(where: { $0 >= 0x80 })!
            var result = ""
            result.reserveCapacity(bytes.count + bytes.count / 8)
            var copied = 0, i = firstNonASCII
            while i < bytes.count {
                let start = i > 0 ? i - 1 : i, runStart = i
                var end = i
                while end < bytes.count && bytes[end] >= 0x80 { end += 1 }
                i = end
                while i < bytes.count && bytes[i] < 0x80 { i += 1 }
                if unchanged(UnsafeBufferPointer(rebasing: bytes[runStart..<end])) { continue }
                result += String(decoding: UnsafeBufferPointer(rebasing: bytes[copied..<start]), as: UTF8.self)
                result += form(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self))
                copied = end
            }
            result += String(decoding: UnsafeBufferPointer(rebasing: bytes[copied...]), as: UTF8.self)
            return result
        }
    }

    /// Each scalar's full lowercase mapping, without context (Σ is always σ), as Rust's
    /// `char::to_lowercase`, which Hugging Face uses. ASCII is mapped in place; only other scalars
    /// look up their mapping.
    private static func lowercased(_ text: String) -> String {
        var result: [UInt8] = []
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            if scalar.isASCII {
                let byte = UInt8(scalar.value)
                result.append(byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte)
            } else if scalar.properties.changesWhenLowercased {
                result += scalar.properties.lowercaseMapping.utf8
            } else {
                result += UTF8.encode(scalar)!
            }
        }
        return String(decoding: result, as: UTF8.self)
    }

    /// How the steps read in Hugging Face's names, for `--explain`.
    public var description: String {
        guard !steps.isEmpty else { return "none" }
        return steps.map { step in
            switch step {
            case .nfc: return "NFC"
            case .nfd: return "NFD"
            case .nfkc: return "NFKC"
            case .nfkd: return "NFKD"
            case .lowercase: return "Lowercase"
            case .prepend(let prefix): return "Prepend(\(quoted(prefix)))"
            case .replace(let pattern, let replacement): return "Replace(\(quoted(pattern)) with \(quoted(replacement)))"
            case .replaceMatches(let regex, let replacement): return "Replace(regex \(quoted(regex.pattern)) with \(quoted(replacement)))"
            case .collapseSpaces: return "remove_extra_whitespaces"
            case .stripTrailing(let suffix): return "strip trailing \(quoted(suffix))"
            }
        }.joined(separator: ", then ")
    }
}
