import Foundation
import ArgumentParser

@main
struct HapaxPrep: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hapax-prep",
        abstract: "Prepare corpora for Hapax training: tokenizers, packed windows, induction match lengths.",
        discussion: """
            Start with `hapax-prep tokenize` to check a tokenizer on your text, or train one with \
            `hapax-prep train-tokenizer`. Tokenizers are tiktoken rank files (`*.tiktoken`) or \
            Hugging Face `tokenizer.json` files of the GPT-2 family.
            """,
        subcommands: [Tokenize.self, Pretokenize.self, TrainTokenizer.self, Classes.self, Shard.self, Merge.self, Inspect.self, Export.self, Verify.self])

    static func main() {
        stopIdleBLASThreads()
        main(nil)
    }

    /// OpenBLAS starts a thread per core when it is loaded, and each spins for about a tenth of a
    /// second waiting for work that most hapax-prep commands never give, taking a core from the
    /// command's own threads (loading cl100k took 10% longer). OpenBLAS starts them again when a
    /// command multiplies matrices (`classes --embeddings`). The function is looked up rather than
    /// linked: OpenBLAS builds on OpenMP have none.
    private static func stopIdleBLASThreads() {
        guard let shutdown = dlsym(nil, "blas_thread_shutdown_") else { return }
        _ = unsafeBitCast(shutdown, to: (@convention(c) () -> Int32).self)()
    }
}
