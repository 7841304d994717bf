/// Hugging Face's `Replace` normalizer with a `Regex` pattern (oracle: `tokenizers` 0.22,
/// `NormalizedString::replace`): every match that `OnigurumaRegex` finds, empty ones included, gives
/// way to the content as it is (no `$1` substitution); the empty text is left empty.
extension OnigurumaRegex {
    func replacingMatches(in text: String, with content: String) -> String {
        var text = text
        return text.withUTF8 { bytes -> String in
            var spans = Spans(count: bytes.count, invert: false)
            forEachMatch(in: bytes) { spans.addMatch($0) }
            var result: [UInt8] = []
            result.reserveCapacity(bytes.count)
            for span in spans.finished() {
                if span.isMatch { result += content.utf8 } else { result += bytes[span.range] }
            }
            return String(decoding: result, as: UTF8.self)
        }
    }
}
