import ArgumentParser

@main
struct HapaxTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hapax-train",
        abstract: "Train GPT-style models on hapax shards, with or without the Hapax loss mask.",
        discussion: """
            Train the same model twice, once with --mask none (vanilla) and once with --mask hapax, and \
            compare their validation losses on kept and dropped targets:

              hapax-train train --data data/shards --mask none  --out runs/vanilla
              hapax-train train --data data/shards --mask hapax --out runs/hapax
              hapax-train eval --run runs/hapax --json
            """,
        subcommands: [Train.self, Eval.self, Sample.self, Analyze.self, ICL.self, Report.self])
}

struct CommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
