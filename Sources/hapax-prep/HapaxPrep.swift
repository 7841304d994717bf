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
}
