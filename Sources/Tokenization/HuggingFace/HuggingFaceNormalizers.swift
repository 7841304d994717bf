/// The normalizers of `tokenizers` that are neither Unicode forms nor string edits: `Precompiled`
/// (SentencePiece's character map, as `tokenizers` applies it) and `Strip`.
extension TextNormalizer {
    /// `tokenizers`' `Precompiled`: each grapheme cluster shorter than 6 bytes is replaced whole by the
    /// replacement of the shortest key it begins with (even a key shorter than the cluster: the rest
    /// of the cluster is dropped, as `tokenizers` drops it); any other cluster, or one no key begins,
    /// is rewritten character by character the same way, a character no key begins kept.
    static func precompiled(_ text: String, map: PrecompiledCharacterMap) -> String {
        var result: [UInt8] = []
        result.reserveCapacity(text.utf8.count)
        for cluster in text {
            var cluster = String(cluster)
            let whole = cluster.withUTF8 { bytes in bytes.count < 6 ? map.shortestMatch(in: bytes, stoppingAtNul: true) : nil }
            if let whole {
                result += whole
                continue
            }
            for scalar in cluster.unicodeScalars {
                var character = String(scalar)
                if let replacement = character.withUTF8({ map.shortestMatch(in: $0, stoppingAtNul: true) }) {
                    result += replacement
                } else {
                    result += character.utf8
                }
            }
        }
        return String(decoding: result, as: UTF8.self)
    }

    /// `Strip`: white space (Unicode's White_Space, as Rust's `trim_start` and `trim_end`) dropped from
    /// either end.
    static func stripped(_ text: String, left: Bool, right: Bool) -> String {
        var scalars = Substring(text).unicodeScalars[...]
        if left { while let first = scalars.first, first.properties.isWhitespace { scalars.removeFirst() } }
        if right { while let last = scalars.last, last.properties.isWhitespace { scalars.removeLast() } }
        return String(scalars)
    }
}

/// `StripAccents`, `Nmt` and the parts of `BertNormalizer`, each a function of one scalar at a time
/// (tokenizers' normalizers/strip.rs, unicode.rs, bert.rs).
extension TextNormalizer {
    /// Each scalar mapped to nothing, itself or other scalars.
    private static func mapped(_ text: String, _ transform: (Unicode.Scalar, inout String.UnicodeScalarView) -> Void) -> String {
        var result = String.UnicodeScalarView()
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars { transform(scalar, &result) }
        return String(result)
    }

    /// `StripAccents`: drops every mark (General_Category M: Mn, Mc, Me), as Rust's `is_combining_mark`;
    /// `BertNormalizer`'s `strip_accents` only the nonspacing ones (Mn), as BERT did.
    static func withoutMarks(_ text: String, nonspacingOnly: Bool) -> String {
        mapped(text) { scalar, out in
            // ASCII holds no mark, and a category lookup costs more than the rest of the step.
            if scalar.isASCII { return out.append(scalar) }
            switch scalar.properties.generalCategory {
            case .nonspacingMark: break
            case .spacingMark, .enclosingMark: if nonspacingOnly { out.append(scalar) }
            default: out.append(scalar)
            }
        }
    }

    /// `Nmt`: drops the C0 controls but tab, newline, form feed and carriage return, and DEL, U+008F and
    /// U+009F; writes tab, newline, form feed, carriage return, U+1680, U+200B to U+200F, the line and
    /// paragraph separators, `▁`, the byte order mark and U+FFFD as a space.
    static func nmt(_ text: String) -> String {
        mapped(text) { scalar, out in
            switch scalar.value {
            case 0x01...0x08, 0x0B, 0x0E...0x1F, 0x7F, 0x8F, 0x9F: break
            case 0x09, 0x0A, 0x0C, 0x0D, 0x1680, 0x200B...0x200F, 0x2028, 0x2029, 0x2581, 0xFEFF, 0xFFFD: out.append(" ")
            default: out.append(scalar)
            }
        }
    }

    /// `BertNormalizer`'s `clean_text`: drops NUL, U+FFFD and the other characters of category C but
    /// tab, newline and carriage return (U+0085 too, though it is white space), then writes white space
    /// (Unicode's White_Space) as a space.
    static func bertCleaned(_ text: String) -> String {
        mapped(text) { scalar, out in
            if scalar == "\t" || scalar == "\n" || scalar == "\r" { return out.append(" ") }
            // In ASCII the controls are below the space and DEL, and the only white space left is the
            // space itself.
            if scalar.isASCII {
                if scalar.value >= 0x20 && scalar.value != 0x7F { out.append(scalar) }
                return
            }
            switch scalar.properties.generalCategory {
            case .control, .format, .surrogate, .privateUse, .unassigned: return
            default:
                if scalar == "\u{FFFD}" || scalar == "\0" { return }
                out.append(scalar.properties.isWhitespace ? " " : scalar)
            }
        }
    }

    /// `BertNormalizer`'s `handle_chinese_chars`: a space either side of each CJK ideograph (the ranges
    /// of BERT's `_is_chinese_char`, with `tokenizers`' gap from U+2B820 to U+2B91F).
    static func spacedIdeographs(_ text: String) -> String {
        mapped(text) { scalar, out in
            switch scalar.value {
            case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F, 0x2B920...0x2CEAF,
                 0xF900...0xFAFF, 0x2F800...0x2FA1F:
                out.append(" ")
                out.append(scalar)
                out.append(" ")
            default: out.append(scalar)
            }
        }
    }
}
