import ArgumentParser
import Foundation
import Tokenization

struct Pretokenize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show how a pre-tokenizer pattern cuts text: one JSON array of pieces per input.",
        discussion: """
            The pieces are what BPE then encodes one by one. Useful to see why a text tokenizes as it \
            does, and to compare with the regular expression the pattern reproduces.

            Example:
              echo "Don't stop" | hapax-prep pretokenize --pattern cl100k -
            """)

    @Option(help: "The pattern: gpt2 (r50k/p50k and Hugging Face ByteLevel), cl100k, o200k, llama3 (Llama 3 and OLMo 2), or qwen2.")
    var pattern: PreTokenizer

    @Argument(help: "Files, or - for standard input.")
    var inputs: [String] = ["-"]

    func run() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        var out = Data()
        for input in inputs {
            let text = try readText(input, strict: false).text
            out.append(try encoder.encode(pattern.pieces(of: text)))
            out.append(UInt8(ascii: "\n"))
        }
        FileHandle.standardOutput.write(out)
    }
}
