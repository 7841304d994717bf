extension Tokenizer {
    /// What the tokenizer does to text, part by part, in Hugging Face's terms: for `tokenize --explain`.
    public var explanation: String {
        var lines = ["tokenizer: \(source)", "vocabulary: \(vocabularySize) ids", "normalizer: \(normalizer.description)"]
        let byteLevelStage = stages.lastIndex(of: .scanner(.gpt2))
        var preTokenizer = stages.enumerated().map { index, stage in
            switch stage {
            case .scanner(let pattern) where index == byteLevelStage: return "ByteLevel with the \(pattern.rawValue) pattern"
            case .scanner(let pattern): return "Split with the \(pattern.rawValue) pattern"
            case .cutter(let cutter): return cutter.description
            case .marking: return stage.description
            }
        }
        if case .bytes = model.alphabet {
            if byteLevelStage == nil { preTokenizer.append("ByteLevel without its own pattern") }
        } else if preTokenizer.isEmpty {
            preTokenizer.append("none")
        }
        let spacing = spaces.description
        lines.append("pre-tokenizer: " + preTokenizer.joined(separator: ", then ") + (spacing.isEmpty ? "" : "; " + spacing))
        if let pieceModel {
            lines.append("model: " + pieceModel.description)
        } else if case .characters(let byteTokens, let unknown, let fuses) = model.alphabet {
            lines.append("model: BPE over characters; a character outside the vocabulary becomes "
                         + (byteTokens != nil ? "the <0xXX> tokens of its bytes" : "the unknown token \(unknown)" + (fuses ? ", once per run" : "")))
        }
        let special = addedTokens.filter(\.special), matched = addedTokens.filter { !$0.special }
        lines.append("added tokens: \(special.count) special, never produced from text" + Self.listed(special, options: false))
        lines.append("              \(matched.count) matched in text" + Self.listed(matched, options: true))
        func named(_ id: UInt32?) -> String {
            id.map { id in "\(specialTokens.first { $0.value == id }?.key ?? "?") (\(id))" } ?? "none"
        }
        lines.append("end of text: " + named(endOfText))
        lines.append("beginning of text: " + named(beginningOfText) + " (with shard --bos)")
        return lines.joined(separator: "\n")
    }

    private static func listed(_ tokens: [AddedToken], options: Bool) -> String {
        guard !tokens.isEmpty else { return "" }
        let shown = tokens.prefix(12).map { token in
            var flags: [String] = []
            if options {
                if token.normalized { flags.append("normalized") }
                if token.lstrip { flags.append("lstrip") }
                if token.rstrip { flags.append("rstrip") }
                if token.singleWord { flags.append("single_word") }
            }
            return "\(quoted(token.content)) (\(([String(token.id)] + flags).joined(separator: ", ")))"
        }
        return ": " + shown.joined(separator: ", ") + (tokens.count > shown.count ? ", and \(tokens.count - shown.count) more" : "")
    }
}
