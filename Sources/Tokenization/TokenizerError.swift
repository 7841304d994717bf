/// A one-line, human-readable reason why a tokenizer could not be loaded or used.
/// Ids are array indices, so a file may not name one far beyond its number of entries: an id near 2^32
/// would allocate tens of gigabytes. Real vocabularies are dense (gaps of a few special ids at most).
func largestAllowedId(entries: Int) -> Int { 2 * entries + 1024 }

public struct TokenizerError: Error, CustomStringConvertible, Equatable {
    public let description: String

    public init(_ description: String) { self.description = description }

    /// Prefixes the message with the file it is about, as `file: line 12: …` or `file: model.vocab: …`.
    func located(in file: String) -> TokenizerError {
        TokenizerError("\(file): \(description)")
    }
}
