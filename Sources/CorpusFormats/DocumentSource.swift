import TokenFiles

/// The documents of one piece of an input whose file is not read as a stream of text: a Parquet
/// file's rows, a Megatron dataset's documents, a token memmap's documents. `CorpusReader` reads text
/// and JSON Lines itself and takes every other format from one of these, the same way.
protocol DocumentSource {
    /// The next document, or nil at the piece's end; records skipped on the way are counted in
    /// `skipped` by block.
    mutating func next(skipped: inout [Int: Int]) throws(InputError) -> Document?
    /// Input bytes behind the documents returned so far, for progress.
    var consumed: Int { get }
}

/// How a run reads pre-tokenized inputs.
public struct TokenInputOptions: Sendable {
    /// How a token memmap stores its ids (`--dtype`); a Megatron dataset says so itself.
    public var type: TokenType
    /// The id that ends each document of a memmap.
    public var endOfText: UInt32

    public init(type: TokenType, endOfText: UInt32) {
        self.type = type
        self.endOfText = endOfText
    }
}
