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
        /// each space that follows another. Its user-defined symbols (`keeping`) are matched first,
        /// longest first, and copied whole, spaces and all, as sentencepiece's normalizer does; only
        /// their leading spaces go after a space.
        case collapseSpaces(keeping: [String])
        /// Drops every occurrence of a string at the end (SentencePiece's `remove_extra_whitespaces`
        /// after escaping, which also drops a `▁` that was in the text).
        case stripTrailing(String)
        /// SentencePiece's whole normalizer: its character map and its handling of spaces.
        case sentencePiece(SentencePieceNormalizer)
        /// `tokenizers`' `Precompiled`: SentencePiece's character map, by grapheme cluster.
        case precompiled(PrecompiledCharacterMap)
        /// `tokenizers`' `Strip`: white space dropped at the start, the end or both.
        case strip(left: Bool, right: Bool)
        /// `StripAccents`, `Nmt`, and `BertNormalizer`'s `strip_accents`, `clean_text` and `handle_chinese_chars`.
        case stripAccents, nmt, bertStripAccents, bertCleanText, spaceAroundIdeographs
    }

    public let steps: [Step]

    public init(_ steps: [Step]) { self.steps = steps }

    public var isIdentity: Bool { steps.isEmpty }

    public func normalize(_ text: String) -> String {
        steps.reduce(text) { text, step in Self.apply(step, to: text) }
    }

    /// The text normalized, and whether a step dropped its first character in the way that moves
    /// `tokenizers`' start of the normalized text off the start of the text as written (what
    /// Metaspace's `first` scheme asks): filtering it out (`Nmt`, `StripAccents`, `BertNormalizer`'s
    /// cleaning and accents, Rust's `NormalizedString::filter`) or stripping it (`Strip`). A step that
    /// rewrites it as nothing (`Precompiled`, `Replace`) leaves the start where it was.
    func normalizeTrackingStart(_ text: String) -> (text: String, dropsStart: Bool) {
        var text = text, dropsStart = false
        for step in steps {
            let normalized = Self.apply(step, to: text)
            // A filter or strip maps the first character to nothing exactly when the text without it
            // comes out the same.
            if !dropsStart && !text.isEmpty && Self.dropsCharacters(step) {
                dropsStart = Self.apply(step, to: String(text.unicodeScalars.dropFirst())) == normalized
            }
            text = normalized
        }
        return (text, dropsStart)
    }

    private static func dropsCharacters(_ step: Step) -> Bool {
        switch step {
        case .strip(left: true, _), .stripAccents, .bertStripAccents, .nmt, .bertCleanText: return true
        default: return false
        }
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
        case .collapseSpaces(let kept): return collapsingSpaces(text, keeping: kept)
        case .stripTrailing(let suffix):
            guard !suffix.isEmpty else { return text }
            var bytes = Array(text.utf8)
            let tail = Array(suffix.utf8)
            while bytes.count >= tail.count && bytes.suffix(tail.count).elementsEqual(tail) { bytes.removeLast(tail.count) }
            return String(decoding: bytes, as: UTF8.self)
        case .sentencePiece(let normalizer): return normalizer.normalize(text)
        case .precompiled(let map): return precompiled(text, map: map)
        case .strip(let left, let right): return stripped(text, left: left, right: right)
        case .stripAccents: return withoutMarks(text, nonspacingOnly: false)
        case .bertStripAccents: return withoutMarks(text, nonspacingOnly: true)
        case .nmt: return nmt(text)
        case .bertCleanText: return bertCleaned(text)
        case .spaceAroundIdeographs: return spacedIdeographs(text)
        }
    }

    /// sentencepiece's `Normalizer::Normalize` with the identity rule, but for the dummy prefix and
    /// escaping: the text goes by prefixes, a kept symbol or else one character; spaces at the start
    /// go, then the leading spaces of each prefix that follows one ending in a space, then the
    /// spaces at the end.
    private static func collapsingSpaces(_ text: String, keeping kept: [String]) -> String {
        let space = UInt8(ascii: " ")
        let bytes = Array(text.utf8), symbols = kept.map { Array($0.utf8) }.filter { !$0.isEmpty }
        func prefixEnd(_ i: Int) -> Int {
            let longest = symbols.lazy.filter { bytes[i...].starts(with: $0) }.map(\.count).max()
            if let longest { return i + longest }
            var end = i + 1
            while end < bytes.count && bytes[end] & 0xC0 == 0x80 { end += 1 }
            return end
        }
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count && bytes[i] == space && prefixEnd(i) == i + 1 { i += 1 }
        var afterSpace = true
        while i < bytes.count {
            let end = prefixEnd(i)
            var start = i
            if afterSpace { while start < end && bytes[start] == space { start += 1 } }
            if start < end {
                result += bytes[start..<end]
                afterSpace = bytes[end - 1] == space
            }
            i = end
        }
        while result.last == space { result.removeLast() }
        return String(decoding: result, as: UTF8.self)
    }

    /// Byte-wise, as Rust's `str::replace`: Foundation's replacing would respect grapheme clusters,
    /// and not replace the `e` of a decomposed `é`. Written straight into the new string's storage:
    /// SentencePiece's forms replace every space of every text.
    private static func replacing(_ pattern: String, with replacement: String, in text: String) -> String {
        let needle = Array(pattern.utf8), substitute = Array(replacement.utf8)
        // Hugging Face finds the empty pattern at every boundary between characters and at both
        // ends of a text that is not empty.
        if needle.isEmpty {
            guard !text.isEmpty else { return text }
            var result = ""
            for scalar in text.unicodeScalars {
                result += replacement
                result.unicodeScalars.append(scalar)
            }
            return result + replacement
        }
        var text = text
        return text.withUTF8 { bytes -> String in
            guard bytes.count >= needle.count else { return String(decoding: bytes, as: UTF8.self) }
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
            case .collapseSpaces(let kept) where kept.isEmpty: return "remove_extra_whitespaces"
            case .collapseSpaces(let kept): return "remove_extra_whitespaces (keeping \(kept.map(quoted).joined(separator: ", ")) whole)"
            case .stripTrailing(let suffix): return "strip trailing \(quoted(suffix))"
            case .sentencePiece(let normalizer): return normalizer.description
            case .precompiled: return "Precompiled"
            case .stripAccents: return "StripAccents"
            case .nmt: return "Nmt"
            case .bertStripAccents: return "BertNormalizer's strip_accents"
            case .bertCleanText: return "BertNormalizer's clean_text"
            case .spaceAroundIdeographs: return "BertNormalizer's handle_chinese_chars"
            case .strip(let left, let right): return "Strip(\(left ? "left" : "")\(left && right ? ", " : "")\(right ? "right" : ""))"
            }
        }.joined(separator: ", then ")
    }
}
