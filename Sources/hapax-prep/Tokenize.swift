import ArgumentParser
import Foundation
import Tokenization
import CorpusFormats
import Preprocessing
import WorkerPool

struct Tokenize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the token ids of each input, space-separated, one line per input (per row of a Parquet file).",
        discussion: """
            Each input is one document, encoded as Hugging Face encodes it with encode_special_tokens: \
            added tokens (such as GPT-NeoX's runs of spaces) are cut out first, the rest is normalized \
            and pre-tokenized, and a special-token string such as <|endoftext|> inside it is text, \
            not a special token. Invalid UTF-8 is replaced by U+FFFD \
            and counted, or is an error with --strict. A summary with the encoding rate (MB/s, not \
            counting file reading or tokenizer loading) goes to standard error.

            Examples:
              hapax-prep tokenize --tokenizer data/cl100k_base.tiktoken README.md
              echo 'Hello world' | hapax-prep tokenize --tokenizer tokenizer.json -
              hapax-prep tokenize --tokenizer data/cl100k_base.tiktoken --count --threads 2 data/shakespeare/*.txt
              hapax-prep tokenize --tokenizer pythia/tokenizer.json --explain
              hapax-prep tokenize --tokenizer data/mistral/tokenizer.model.v1 --text-field content train-00000.parquet
            """)

    @Option(help: "A tiktoken rank file (*.tiktoken), a Hugging Face tokenizer.json, a SentencePiece model or a Tekken file.")
    var tokenizer: String

    @Option(help: "The string column that holds the text, for Parquet inputs (*.parquet).")
    var textField = "text"

    @Option(help: "Pre-tokenizer pattern for a rank file whose name does not tell it (gpt2, cl100k, o200k, llama3, qwen2).")
    var pattern: PreTokenizer?

    @Flag(help: "Print only the number of tokens of each input.")
    var count = false

    @Flag(help: "Print the tokenizer's normalizer, pre-tokenizer and added tokens instead of tokenizing.")
    var explain = false

    @Flag(help: "Fail on invalid UTF-8 instead of replacing it.")
    var strict = false

    @Option(help: "Threads to encode with; inputs are spread over them.")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    @Argument(help: "Files, folders (read recursively) or glob patterns to tokenize, each file one line; - for standard input.")
    var inputs: [String] = ["-"]

    /// The files the inputs name, and the text of each (each row's, for Parquet).
    private func readInputs() throws -> (files: [String], texts: [(text: String, replacements: Int)]) {
        let files: [String]
        do { files = try expandInputs(inputs) } catch { throw CommandError(error.description) }
        var read: [(text: String, replacements: Int)] = []
        for file in files {
            if InputFormat(path: file).isPretokenized { throw CommandError("\(file): already tokenized; tokenize reads text") }
            if InputFormat(path: file) == .parquet {
                let reader = CorpusReader(files: [file], textField: textField, strict: strict, maximumDocumentBytes: Int.max)
                do { while let row = try reader.next() { read.append((row.text ?? "", row.replacements)) } } catch { throw CommandError(error.description) }
            } else {
                let input = try readText(file, strict: strict)
                read.append((input.text, input.replacements))
            }
        }
        return (files, read)
    }

    func validate() throws {
        guard (1...maximumThreads).contains(threads) else { throw ValidationError("--threads must be between 1 and \(maximumThreads)") }
    }

    func run() throws {
        if explain { return print(try loadTokenizer(self.tokenizer, pattern: pattern).explanation) }
        // The inputs are read on the other core while the tokenizer loads.
        let reading = BackgroundValue { [self] in Result { try readInputs() } }
        let tokenizer = try loadTokenizer(self.tokenizer, pattern: pattern)
        let (files, texts) = try reading.value.get()
        let start = DispatchTime.now()
        let encoded = parallelMap(texts.count, threads: threads) { tokenizer.encode(texts[$0].text) }
        let elapsed = seconds(since: start)

        var out = Data()
        for ids in encoded {
            let line = count ? String(ids.count) : ids.map(String.init).joined(separator: " ")
            out.append(contentsOf: (line + "\n").utf8)
        }
        FileHandle.standardOutput.write(out)

        let bytes = texts.reduce(0) { $0 + $1.text.utf8.count }
        let tokens = encoded.reduce(0) { $0 + $1.count }
        let replaced = texts.reduce(0) { $0 + $1.replacements }
        var summary = "\(files.count) input(s), \(bytes) bytes, \(tokens) tokens in \(String(format: "%.3f", elapsed)) s: "
            + "\(megabytesPerSecond(bytes, elapsed)) on \(min(threads, max(texts.count, 1))) thread(s)"
        if replaced > 0 { summary += "; \(replaced) invalid UTF-8 sequence(s) replaced by U+FFFD" }
        printError(summary)
    }
}
