/// The pre-tokenization patterns of the byte-level BPE families, as hand-written scanners.
///
/// Each scanner reproduces one regular expression exactly, alternative by alternative, including the
/// backtracking the regex engine would do. The patterns are those of tiktoken 0.14 and Hugging Face:
///
/// - `gpt2` (r50k_base, p50k_base, Hugging Face ByteLevel):
///   `'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s`
///   (equivalent to the original `…|\s+(?!\S)|\s+`).
/// - `cl100k`: `'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s`
/// - `o200k`: `[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?`
///   `|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?`
///   `|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+`
/// - `llama3`, the `Split` of Llama 3 and OLMo 2 (tiktoken's cl100k pattern before it became possessive):
///   `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`.
///   It cuts as `cl100k` does except at the end of the text, where cl100k's `\s++$` keeps white space
///   holding a newline whole and this one ends the first piece at the last newline.
/// - `qwen2`, the `Split` of Qwen 2: `llama3` with single digits (`\p{N}` for `\p{N}{1,3}`).
/// - `tekken`, Mistral's Tekken (NeMo, Pixtral, Small 3): `o200k` without the contractions and with
///   single digits (`\p{N}` for `\p{N}{1,3}`).
/// - `metaspace`, Hugging Face's Metaspace with `split`: a cut before each `▁` (U+2581).
///
/// Scanners work on valid UTF-8 and return byte ranges, so pieces can be fed to BPE without copying.
public enum PreTokenizer: String, Sendable, CaseIterable {
    case gpt2
    case cl100k
    case o200k
    case llama3
    case qwen2
    case tekken
    case metaspace

    /// The regular expression of a Hugging Face `Split` pre-tokenizer that cuts as this pattern does,
    /// as written in the tokenizer.json files of the families that use it. cl100k has none: its
    /// possessive form would run on Oniguruma, whose `$` also matches before a final newline.
    public var huggingFaceRegex: String? {
        let contractions = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)"#
        let tail = #"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
        switch self {
        case .gpt2: return #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
        case .cl100k, .metaspace: return nil
        case .llama3: return contractions + #"|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"# + tail
        case .qwen2: return contractions + #"|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}"# + tail
        case .o200k:
            let upper = #"[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]"#, lower = #"[\p{Ll}\p{Lm}\p{Lo}\p{M}]"#, prefix = #"[^\r\n\p{L}\p{N}]?"#
            return prefix + upper + "*" + lower + "+" + contractions + "?|" + prefix + upper + "+" + lower + "*" + contractions
                + #"?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
        case .tekken:
            let upper = #"[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]"#, lower = #"[\p{Ll}\p{Lm}\p{Lo}\p{M}]"#, prefix = #"[^\r\n\p{L}\p{N}]?"#
            return prefix + upper + "*" + lower + "+|" + prefix + upper + "+" + lower + "*"
                + #"|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
        }
    }

    /// The pattern whose Hugging Face `Split` regex is `regex`.
    public init?(huggingFaceRegex regex: String) {
        guard let pattern = Self.allCases.first(where: { $0.huggingFaceRegex == regex }) else { return nil }
        self = pattern
    }

    /// The pieces of `text` as strings, for inspection and tests.
    public func pieces(of text: String) -> [String] {
        var result: [String] = []
        var text = text
        text.withUTF8 { bytes in
            forEachPiece(inValidUTF8: bytes) { range in
                result.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self))
            }
        }
        return result
    }

    /// Calls `body` with the byte range of every piece, in order; the pieces tile the text.
    /// `bytes` must be valid UTF-8 (a Swift string's storage always is).
    func forEachPiece(inValidUTF8 bytes: UnsafeBufferPointer<UInt8>, _ body: (Range<Int>) -> Void) {
        let scanner = Scanner(bytes: bytes, basicPlane: CharacterClass.basicPlane)
        var start = 0
        while start < bytes.count {
            let end: Int
            switch self {
            case .gpt2: end = scanner.gpt2Piece(at: start)
            case .cl100k: end = scanner.cl100kPiece(at: start, maximumDigits: 3, wholeTrailingWhitespace: true)
            case .llama3: end = scanner.cl100kPiece(at: start, maximumDigits: 3, wholeTrailingWhitespace: false)
            case .qwen2: end = scanner.cl100kPiece(at: start, maximumDigits: 1, wholeTrailingWhitespace: false)
            case .o200k: end = scanner.o200kPiece(at: start, contractions: true, maximumDigits: 3)
            case .tekken: end = scanner.o200kPiece(at: start, contractions: false, maximumDigits: 1)
            case .metaspace: end = scanner.metaspacePiece(at: start)
            }
            body(start..<end)
            start = end
        }
    }
}

/// Cursor arithmetic over valid UTF-8: positions are byte offsets at scalar boundaries.
private struct Scanner {
    let bytes: UnsafeBufferPointer<UInt8>
    let basicPlane: UnsafeBufferPointer<UInt8>
    var end: Int { bytes.count }

    @inline(__always)
    func scalar(at i: Int) -> (value: UInt32, width: Int) {
        let b0 = UInt32(bytes[i])
        if b0 < 0x80 { return (b0, 1) }
        if b0 < 0xE0 {
            return ((b0 & 0x1F) << 6 | UInt32(bytes[i + 1] & 0x3F), 2)
        }
        if b0 < 0xF0 {
            return ((b0 & 0x0F) << 12 | UInt32(bytes[i + 1] & 0x3F) << 6 | UInt32(bytes[i + 2] & 0x3F), 3)
        }
        return ((b0 & 0x07) << 18 | UInt32(bytes[i + 1] & 0x3F) << 12
                | UInt32(bytes[i + 2] & 0x3F) << 6 | UInt32(bytes[i + 3] & 0x3F), 4)
    }

    /// The class of the scalar at `i`, or nil at the end of the text.
    @inline(__always)
    func characterClass(at i: Int) -> (CharacterClass, width: Int)? {
        guard i < end else { return nil }
        let (value, width) = scalar(at: i)
        return (CharacterClass.of(value, basicPlane: basicPlane), width)
    }

    @inline(__always)
    func isNewline(at i: Int) -> Bool {
        i < end && (bytes[i] == 0x0A || bytes[i] == 0x0D)
    }

    /// The end of the longest run from `i` of scalars whose class satisfies `predicate`.
    @inline(__always)
    func run(from i: Int, while predicate: (CharacterClass) -> Bool) -> Int {
        var j = i
        while let (cls, width) = characterClass(at: j), predicate(cls) { j += width }
        return j
    }

    @inline(__always)
    func matches(at i: Int, _ predicate: (CharacterClass) -> Bool) -> Bool {
        guard let (cls, _) = characterClass(at: i) else { return false }
        return predicate(cls)
    }

    /// `[^\s\p{L}\p{N}]`
    static func isOther(_ c: CharacterClass) -> Bool { c.isDisjoint(with: [.whitespace, .letter, .number]) }
    static func isLetter(_ c: CharacterClass) -> Bool { c.contains(.letter) }
    static func isNumber(_ c: CharacterClass) -> Bool { c.contains(.number) }
    static func isWhitespace(_ c: CharacterClass) -> Bool { c.contains(.whitespace) }

    /// `[^\r\n\p{L}\p{N}]`, one optional scalar before a word.
    func isWordPrefix(at i: Int) -> Bool {
        !isNewline(at: i) && matches(at: i) { $0.isDisjoint(with: [.letter, .number]) }
    }

    /// Length of `'s|'t|'re|'ve|'m|'ll|'d` at `i`, 0 when none. Case-insensitive matching follows
    /// Unicode simple case folding, under which `ſ` (U+017F) is an `s`.
    func contractionLength(at i: Int, ignoringCase: Bool) -> Int {
        guard i < end, bytes[i] == UInt8(ascii: "'"), i + 1 < end else { return 0 }
        func letter(_ k: Int) -> UInt8? {
            guard k < end else { return nil }
            let b = bytes[k]
            if ignoringCase && b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") { return b | 0x20 }
            return b
        }
        if ignoringCase && i + 2 < end && bytes[i + 1] == 0xC5 && bytes[i + 2] == 0xBF { return 3 }
        switch letter(i + 1) {
        case UInt8(ascii: "s"), UInt8(ascii: "t"), UInt8(ascii: "m"), UInt8(ascii: "d"): return 2
        case UInt8(ascii: "l"): return letter(i + 2) == UInt8(ascii: "l") ? 3 : 0
        case UInt8(ascii: "v"), UInt8(ascii: "r"): return letter(i + 2) == UInt8(ascii: "e") ? 3 : 0
        default: return 0
        }
    }

    /// The shared tail of the gpt2 and cl100k-like patterns for a white-space run at `i`: `\s++$`
    /// (where `wholeAtEnd`), then (where `endAtLastNewline`) `\s*[\r\n]`, then `\s+(?!\S)`, then `\s`.
    func whitespacePiece(at i: Int, endAtLastNewline: Bool, wholeAtEnd: Bool = true) -> Int {
        let runEnd = run(from: i, while: Self.isWhitespace)
        if wholeAtEnd && runEnd == end { return runEnd }
        if endAtLastNewline, let newline = lastNewline(in: i..<runEnd) { return newline + 1 }
        if runEnd == end { return runEnd }
        let first = scalar(at: i).width
        if runEnd > i + first {
            return lastScalarStart(before: runEnd)
        }
        return i + first
    }

    @inline(__always)
    static func isASCIILetter(_ byte: UInt8) -> Bool { (byte | 0x20) &- UInt8(ascii: "a") < 26 }

    /// The end of the run of letters from `i`, `\p{L}*`: ASCII letters eight bytes at a time, so that
    /// the end of a word is found without a branch per letter, whose misprediction at the word's end
    /// had cost more than the rest of the scan.
    @inline(__always)
    func letters(from i: Int) -> Int {
        var j = i
        while true {
            if j + 8 <= end {
                let word = UInt64(littleEndian: UnsafeRawPointer(bytes.baseAddress! + j).loadUnaligned(as: UInt64.self))
                let others = ~Self.asciiLetterBytes(word) & 0x8080_8080_8080_8080
                if others == 0 {
                    j += 8
                    continue
                }
                j += others.trailingZeroBitCount >> 3
            } else {
                while j < end && Self.isASCIILetter(bytes[j]) { j += 1 }
            }
            guard j < end, bytes[j] >= 0x80, let (cls, width) = characterClass(at: j), Self.isLetter(cls) else { return j }
            j += width
        }
    }

    /// The top bit of each byte of `word` that is an ASCII letter. Bytes of 0x80 and above are not;
    /// the others, lower-cased (or 0x20), are letters when in 0x61...0x7A, which two additions
    /// test for all eight bytes at once (no byte carries into the next: each stays below 0x100).
    @inline(__always)
    static func asciiLetterBytes(_ word: UInt64) -> UInt64 {
        let folded = (word | 0x2020_2020_2020_2020) & 0x7F7F_7F7F_7F7F_7F7F
        let atLeastA = folded &+ 0x1F1F_1F1F_1F1F_1F1F      // top bit set from 0x61 up
        let pastZ = folded &+ 0x0505_0505_0505_0505         // top bit set from 0x7B up
        return atLeastA & ~pastZ & ~word & 0x8080_8080_8080_8080
    }

    /// `\p{N}{1,maximum}` at a number.
    func numbers(at i: Int, maximum: Int = 3) -> Int {
        var j = i + scalar(at: i).width
        for _ in 1..<maximum {
            guard matches(at: j, Self.isNumber) else { break }
            j += scalar(at: j).width
        }
        return j
    }

    func lastNewline(in range: Range<Int>) -> Int? {
        var k = range.upperBound - 1
        while k >= range.lowerBound {
            if bytes[k] == 0x0A || bytes[k] == 0x0D { return k }
            k -= 1
        }
        return nil
    }

    func lastScalarStart(before i: Int) -> Int {
        var k = i - 1
        while bytes[k] & 0xC0 == 0x80 { k -= 1 }
        return k
    }

    // MARK: gpt2

    func gpt2Piece(at i: Int) -> Int {
        let contraction = contractionLength(at: i, ignoringCase: false)
        if contraction > 0 { return i + contraction }
        let j = bytes[i] == UInt8(ascii: " ") ? i + 1 : i
        if let (cls, _) = characterClass(at: j) {
            if Self.isLetter(cls) { return letters(from: j) }
            if Self.isNumber(cls) { return run(from: j, while: Self.isNumber) }
            if Self.isOther(cls) { return run(from: j, while: Self.isOther) }
        }
        return whitespacePiece(at: i, endAtLastNewline: false)
    }

    // MARK: cl100k, llama3 and qwen2

    func cl100kPiece(at i: Int, maximumDigits: Int, wholeTrailingWhitespace: Bool) -> Int {
        // Most pieces of text are a word, after a space or not: ASCII letters, or an ASCII prefix
        // (no letter, digit, newline or apostrophe, which could start a contraction) and letters.
        let first = bytes[i]
        if Self.isASCIILetter(first) { return letters(from: i + 1) }
        if first < 0x80 && first != UInt8(ascii: "'") && first != 0x0A && first != 0x0D && first &- UInt8(ascii: "0") >= 10
            && i + 1 < end && Self.isASCIILetter(bytes[i + 1]) {
            return letters(from: i + 2)
        }
        let contraction = contractionLength(at: i, ignoringCase: true)
        if contraction > 0 { return i + contraction }
        let (cls, width) = characterClass(at: i)!
        if isWordPrefix(at: i) && matches(at: i + width, Self.isLetter) {
            return letters(from: i + width)
        }
        if Self.isLetter(cls) { return letters(from: i) }
        if Self.isNumber(cls) { return numbers(at: i, maximum: maximumDigits) }
        let j = bytes[i] == UInt8(ascii: " ") ? i + 1 : i
        if matches(at: j, Self.isOther) {
            var k = run(from: j, while: Self.isOther)
            while isNewline(at: k) { k += 1 }
            return k
        }
        return whitespacePiece(at: i, endAtLastNewline: true, wholeAtEnd: wholeTrailingWhitespace)
    }

    // MARK: o200k

    /// `[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+` at `i`, with the backtracking of
    /// the greedy star: if the upper-ish run is not followed by a lower-ish scalar, the match ends
    /// just after the run's last scalar that is lower-ish too.
    func upperThenLower(at i: Int) -> Int? {
        var j = i
        var lastLowerishEnd: Int? = nil
        while let (cls, width) = characterClass(at: j), cls.contains(.upperish) {
            j += width
            if cls.contains(.lowerish) { lastLowerishEnd = j }
        }
        if matches(at: j, { $0.contains(.lowerish) }) {
            return run(from: j, while: { $0.contains(.lowerish) })
        }
        return lastLowerishEnd
    }

    /// `[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*` at `i`.
    func upperRunThenLower(at i: Int) -> Int? {
        let j = run(from: i, while: { $0.contains(.upperish) })
        guard j > i else { return nil }
        return run(from: j, while: { $0.contains(.lowerish) })
    }

    func o200kPiece(at i: Int, contractions: Bool, maximumDigits: Int) -> Int {
        let width = scalar(at: i).width
        let prefixed = isWordPrefix(at: i)
        let word = (prefixed ? upperThenLower(at: i + width) : nil) ?? upperThenLower(at: i)
            ?? (prefixed ? upperRunThenLower(at: i + width) : nil) ?? upperRunThenLower(at: i)
        if let word { return contractions ? word + contractionLength(at: word, ignoringCase: true) : word }
        if matches(at: i, Self.isNumber) { return numbers(at: i, maximum: maximumDigits) }
        let j = bytes[i] == UInt8(ascii: " ") ? i + 1 : i
        if matches(at: j, Self.isOther) {
            var k = run(from: j, while: Self.isOther)
            while k < end && (bytes[k] == 0x0A || bytes[k] == 0x0D || bytes[k] == UInt8(ascii: "/")) { k += 1 }
            return k
        }
        let runEnd = run(from: i, while: Self.isWhitespace)
        if let newline = lastNewline(in: i..<runEnd) { return newline + 1 }
        if runEnd == end { return runEnd }
        if runEnd > i + width { return lastScalarStart(before: runEnd) }
        return runEnd
    }

    // MARK: metaspace

    /// To the next `▁` after the first scalar.
    func metaspacePiece(at i: Int) -> Int {
        var j = i + scalar(at: i).width
        while j + 2 < end && !(bytes[j] == 0xE2 && bytes[j + 1] == 0x96 && bytes[j + 2] == 0x81) { j += 1 }
        return j + 2 < end ? j : end
    }
}
