/// A one-line, human-readable reason why a tokenizer could not be loaded or used.
public struct TokenizerError: Error, CustomStringConvertible, Equatable {
    public let description: String

    public init(_ description: String) { self.description = description }

    /// Prefixes the message with the file it is about, as `file: line 12: …` or `file: model.vocab: …`.
    func located(in file: String) -> TokenizerError {
        TokenizerError("\(file): \(description)")
    }
}
