/// The pre-tokenizers of Hugging Face `tokenizers` that have no hand-written scanner, run as that
/// library runs them (oracle: `tokenizers` 0.22, `pre_tokenizers` and `NormalizedString::split`).
///
/// Each cuts a stretch in two steps. First the stretch is tiled into spans, each a match of the
/// pattern or not (`Pattern::find_matches`): a regex's matches (`OnigurumaRegex`) with the text
/// between them, or for a character test each character that passes alone and each run of the others.
/// `invert` swaps match and non-match. Then the behavior makes pieces of the spans
/// (`SplitBehavior`), and empty pieces are dropped. The pre-tokenizers are these cuts:
///
/// - `Split`: its regex, or its string matched as it is, with its behavior and `invert`;
/// - `Digits`: numeric characters (Rust's `char::is_numeric`), Isolated with `individual_digits`,
///   else Contiguous;
/// - `Punctuation`: ASCII punctuation and the Unicode P* categories, by its behavior (Isolated by default);
/// - `Whitespace`: the regex `\w+|[^\w\s]+` of Rust's regex crate (not Oniguruma's: its `\w` holds the
///   joiners U+200C and U+200D), inverted and Removed: white space Removed, then word characters Contiguous;
/// - `WhitespaceSplit`: white space (Rust's `char::is_whitespace`) Removed;
/// - `CharDelimiterSplit`: its delimiter Removed;
/// - `BertPreTokenizer`: WhitespaceSplit, then punctuation Isolated;
/// - `UnicodeScripts`: a cut where the script changes (`UnicodeScripts`), which may drop a stretch's start;
/// - `FixedLength`: a cut after every `length` characters (Rust's `char`s: scalars).
///
/// After ByteLevel a pre-tokenizer sees the text spelled in the byte-level alphabet, one character a
/// byte: `inByteLevelAlphabet` cuts that spelling and hands back the byte ranges its pieces spell.
/// (So Falcon's Digits, after its ByteLevel, also cuts at the bytes B2, B3, B9, BC, BD and BE, which
/// the alphabet spells `²`, `³`, `¹`, `¼`, `½`, `¾`: numeric characters.)
indirect enum PieceCutter: Sendable, Equatable, CustomStringConvertible {
    case split(OnigurumaRegex, SplitBehavior, invert: Bool)
    case characters(CharacterTest, SplitBehavior)
    case unicodeScripts
    case fixedLength(Int)
    case inByteLevelAlphabet(PieceCutter)

    /// Calls `body` with the byte range of every piece, in order. `bytes` is valid UTF-8, except
    /// under `inByteLevelAlphabet`, where it may be any bytes.
    func forEachPiece(of bytes: UnsafeBufferPointer<UInt8>, _ body: (Range<Int>) -> Void) {
        switch self {
        case .split(let regex, let behavior, let invert):
            var spans = Spans(count: bytes.count, invert: invert)
            regex.forEachMatch(in: bytes) { spans.addMatch($0) }
            behavior.forEachPiece(of: spans.finished(), body)
        case .characters(let test, let behavior):
            var spans = Spans(count: bytes.count, invert: false)
            var i = 0
            while i < bytes.count {
                let (scalar, width) = Self.scalar(in: bytes, at: i)
                if test.matches(scalar) { spans.addMatch(i..<i + width) }
                i += width
            }
            behavior.forEachPiece(of: spans.finished(), body)
        case .unicodeScripts:
            UnicodeScripts.forEachPiece(of: bytes, body)
        case .fixedLength(let length):
            var start = 0, i = 0, characters = 0
            while i < bytes.count {
                if characters == length {
                    body(start..<i)
                    (start, characters) = (i, 0)
                }
                i += OnigurumaRegex.scalarWidth(bytes[i])
                characters += 1
            }
            if start < bytes.count { body(start..<bytes.count) }
        case .inByteLevelAlphabet(let cutter):
            // byteAt[k]: the byte that the spelling's byte k belongs to; one past the end maps to the end.
            var spelled: [UInt8] = [], byteAt: [Int] = []
            spelled.reserveCapacity(bytes.count * 2)
            byteAt.reserveCapacity(bytes.count * 2 + 1)
            for (index, byte) in bytes.enumerated() {
                for unit in Self.byteLevelUTF8[Int(byte)] {
                    spelled.append(unit)
                    byteAt.append(index)
                }
            }
            byteAt.append(bytes.count)
            spelled.withUnsafeBufferPointer { spelling in
                cutter.forEachPiece(of: spelling) { range in body(byteAt[range.lowerBound]..<byteAt[range.upperBound]) }
            }
        }
    }

    /// The UTF-8 of each byte's character in the byte-level alphabet.
    private static let byteLevelUTF8 = ByteLevelAlphabet.scalarOfByte.map { Array(String($0).utf8) }

    var description: String {
        switch self {
        case .split(let regex, let behavior, let invert):
            return "Split(\(regex.description), \(behavior.rawValue)\(invert ? ", inverted" : ""))"
        case .characters(let test, let behavior): return "\(test)(\(behavior.rawValue))"
        case .unicodeScripts: return "UnicodeScripts"
        case .fixedLength(let length): return "FixedLength(\(length))"
        case .inByteLevelAlphabet(let cutter): return "\(cutter) on the byte-level spelling"
        }
    }

    @inline(__always)
    static func scalar(in bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> (Unicode.Scalar, width: Int) {
        let b0 = UInt32(bytes[i])
        let value: UInt32, width: Int
        if b0 < 0x80 {
            (value, width) = (b0, 1)
        } else if b0 < 0xE0 {
            (value, width) = ((b0 & 0x1F) << 6 | UInt32(bytes[i + 1] & 0x3F), 2)
        } else if b0 < 0xF0 {
            (value, width) = ((b0 & 0x0F) << 12 | UInt32(bytes[i + 1] & 0x3F) << 6 | UInt32(bytes[i + 2] & 0x3F), 3)
        } else {
            (value, width) = ((b0 & 0x07) << 18 | UInt32(bytes[i + 1] & 0x3F) << 12
                              | UInt32(bytes[i + 2] & 0x3F) << 6 | UInt32(bytes[i + 3] & 0x3F), 4)
        }
        return (Unicode.Scalar(value) ?? "\u{FFFD}", width)
    }
}

/// The tiling of a stretch into matches and the text between them, as `find_matches` returns it.
struct Spans {
    private(set) var spans: [(range: Range<Int>, isMatch: Bool)] = []
    private let count: Int
    private let invert: Bool
    private var covered = 0

    init(count: Int, invert: Bool) {
        self.count = count
        self.invert = invert
    }

    mutating func addMatch(_ range: Range<Int>) {
        if covered != range.lowerBound { spans.append((covered..<range.lowerBound, invert)) }
        spans.append((range, !invert))
        covered = range.upperBound
    }

    /// The spans, with the text after the last match; an empty stretch is one empty span.
    mutating func finished() -> [(range: Range<Int>, isMatch: Bool)] {
        if count == 0 { return [(0..<0, invert)] }
        if covered != count { spans.append((covered..<count, invert)) }
        return spans
    }
}

/// Which characters a character-test pre-tokenizer matches, as `tokenizers` answers: from the table
/// `runs` (CharacterTestTable.swift) that tools/generate_character_tests.py reads from it, not from the
/// Swift toolchain's Unicode 17.0 properties, since each test asks Rust code with tables of its own
/// versions (the `unicode_categories` crate's punctuation predates Unicode 14).
enum CharacterTest: Sendable, Equatable, CustomStringConvertible {
    /// `char::is_numeric` (the general categories Nd, Nl and No).
    case numeric
    /// `char::is_ascii_punctuation`, or the `unicode_categories` crate's punctuation (Pc, Pd, Pe, Pf,
    /// Pi, Po and Ps).
    case punctuation
    /// `char::is_whitespace` (the White_Space property).
    case whitespace
    /// `\w` of Rust's regex crate: Alphabetic, the marks, decimal digits, connector punctuation and
    /// the joiners (Join_Control).
    case word
    case scalar(Unicode.Scalar)

    @inline(__always)
    func matches(_ scalar: Unicode.Scalar) -> Bool {
        switch self {
        case .numeric: return Self.tests(of: scalar.value) & 1 != 0
        case .punctuation: return Self.tests(of: scalar.value) & 2 != 0
        case .whitespace: return Self.tests(of: scalar.value) & 4 != 0
        case .word: return Self.tests(of: scalar.value) & 8 != 0
        case .scalar(let delimiter): return scalar == delimiter
        }
    }

    var description: String {
        switch self {
        case .numeric: return "Digits"
        case .punctuation: return "Punctuation"
        case .whitespace: return "WhitespaceSplit"
        case .word: return "word characters"
        case .scalar(let delimiter): return "CharDelimiterSplit(\(quoted(String(delimiter))))"
        }
    }

    private static let table = CodePointRuns(runs, outside: 0)

    /// The bits of the tests `value` passes: 1 numeric, 2 punctuation, 4 white space, 8 word.
    @inline(__always)
    static func tests(of value: UInt32) -> UInt8 { table[value] }
}

/// Hugging Face's `SplitDelimiterBehavior`, spelled as tokenizer.json files spell it.
enum SplitBehavior: String, Sendable, CaseIterable {
    case removed = "Removed"
    case isolated = "Isolated"
    case mergedWithPrevious = "MergedWithPrevious"
    case mergedWithNext = "MergedWithNext"
    case contiguous = "Contiguous"

    /// The non-empty pieces the behavior makes of `spans`: Removed drops the matches, Isolated keeps
    /// every span, Contiguous joins each span to the one before when both are matches or both are
    /// not, MergedWithPrevious joins a match to the span before unless that is a match too, and
    /// MergedWithNext joins a match to the span after unless that is a match too.
    func forEachPiece(of spans: [(range: Range<Int>, isMatch: Bool)], _ body: (Range<Int>) -> Void) {
        var pieces: [Range<Int>] = []
        pieces.reserveCapacity(spans.count)
        var previousIsMatch = false
        switch self {
        case .removed:
            for span in spans where !span.isMatch { pieces.append(span.range) }
        case .isolated:
            pieces = spans.map(\.range)
        case .contiguous, .mergedWithPrevious:
            for span in spans {
                let joins = self == .contiguous ? span.isMatch == previousIsMatch : span.isMatch && !previousIsMatch
                if joins, let last = pieces.last {
                    pieces[pieces.count - 1] = last.lowerBound..<span.range.upperBound
                } else {
                    pieces.append(span.range)
                }
                previousIsMatch = span.isMatch
            }
        case .mergedWithNext:
            for span in spans.reversed() {
                if span.isMatch && !previousIsMatch, let last = pieces.last {
                    pieces[pieces.count - 1] = span.range.lowerBound..<last.upperBound
                } else {
                    pieces.append(span.range)
                }
                previousIsMatch = span.isMatch
            }
            pieces.reverse()
        }
        for piece in pieces where !piece.isEmpty { body(piece) }
    }
}
