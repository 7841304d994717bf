/// One stage of pre-tokenization: a pattern with a hand-written scanner (`PreTokenizer`), any other
/// pre-tokenizer of Hugging Face `tokenizers` that cuts (`PieceCutter`), or the space marking of a
/// Metaspace inside a Sequence (`marking`), which rewrites each piece before the stages after it cut
/// it (its cut before each `▁` is the `metaspace` scanner that follows it). A tokenizer runs its
/// stages in turn, each on the pieces of the one before.
enum PreTokenizerStage: Sendable, Equatable, CustomStringConvertible {
    case scanner(PreTokenizer)
    case cutter(PieceCutter)
    case marking(SpaceMarking)

    /// Calls `body` with the byte range of every piece, in order; a `marking` stage hands on the
    /// whole piece (the tokenizer marks it).
    @inline(__always)
    func forEachPiece(of bytes: UnsafeBufferPointer<UInt8>, _ body: (Range<Int>) -> Void) {
        switch self {
        case .scanner(let pattern): pattern.forEachPiece(inValidUTF8: bytes, body)
        case .cutter(let cutter): cutter.forEachPiece(of: bytes, body)
        case .marking: body(0..<bytes.count)
        }
    }

    var scanner: PreTokenizer? {
        if case .scanner(let pattern) = self { return pattern }
        return nil
    }

    /// The scanner's name, or the pre-tokenizer as `tokenizers` names it.
    var description: String {
        switch self {
        case .scanner(let pattern): return pattern.rawValue
        case .cutter(let cutter): return cutter.description
        case .marking(let marking): return "Metaspace(\(marking.description))"
        }
    }
}

extension PieceCutter {
    /// The cuts that the pre-tokenizer `stage` of a tokenizer.json stands for, spelled in the
    /// byte-level alphabet when it comes after ByteLevel; nil when its type is none of `types`.
    static func parse(_ stage: JSONPath, afterByteLevel: Bool) throws(TokenizerError) -> [PieceCutter]? {
        let cutters: [PieceCutter]
        switch try stage.string("type") {
        case "Split":
            let pattern = try stage.object("pattern")
            let regex: OnigurumaRegex
            if let source = try pattern.optionalString("Regex") {
                regex = try OnigurumaRegex(source, place: pattern.place("Regex"))
            } else if let string = try pattern.optionalString("String") {
                regex = try OnigurumaRegex(literal: string, place: pattern.place("String"))
            } else {
                throw TokenizerError("\(pattern.path): expected a Regex or a String")
            }
            cutters = [.split(regex, try behavior(stage, default: nil), invert: try stage.optionalBool("invert") ?? false)]
        case "Digits":
            cutters = [.characters(.numeric, try stage.optionalBool("individual_digits") ?? false ? .isolated : .contiguous)]
        case "Punctuation":
            cutters = [.characters(.punctuation, try behavior(stage, default: .isolated))]
        case "Whitespace":
            cutters = [.characters(.whitespace, .removed), .characters(.word, .contiguous)]
        case "WhitespaceSplit":
            cutters = [.characters(.whitespace, .removed)]
        case "CharDelimiterSplit":
            let delimiter = try stage.string("delimiter")
            guard delimiter.unicodeScalars.count == 1, let scalar = delimiter.unicodeScalars.first else {
                throw TokenizerError("\(stage.place("delimiter")): \(quoted(delimiter)) is not one character")
            }
            cutters = [.characters(.scalar(scalar), .removed)]
        case "BertPreTokenizer":
            cutters = [.characters(.whitespace, .removed), .characters(.punctuation, .isolated)]
        case "UnicodeScripts":
            cutters = [.unicodeScripts]
        case "FixedLength":
            // tokenizers' default; it panics on a length of 0.
            let length = stage.value["length"].map { $0.isNull ? 5 : ($0.integer ?? 0) } ?? 5
            guard length > 0 else { throw TokenizerError("\(stage.place("length")): expected a count of characters, at least 1") }
            cutters = [.fixedLength(length)]
        default:
            return nil
        }
        return afterByteLevel ? cutters.map { .inByteLevelAlphabet($0) } : cutters
    }

    /// The pre-tokenizer types `parse` reads, for messages.
    static let types = ["Split", "Digits", "Punctuation", "Whitespace", "WhitespaceSplit", "CharDelimiterSplit", "BertPreTokenizer", "UnicodeScripts", "FixedLength"]

    private static func behavior(_ stage: JSONPath, default: SplitBehavior?) throws(TokenizerError) -> SplitBehavior {
        guard let name = try `default` == nil ? stage.string("behavior") : stage.optionalString("behavior") else { return `default`! }
        guard let behavior = SplitBehavior(rawValue: name) else {
            throw TokenizerError("\(stage.place("behavior")): \(quoted(name)) is not one of Hugging Face's behaviors (\(SplitBehavior.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return behavior
    }
}
