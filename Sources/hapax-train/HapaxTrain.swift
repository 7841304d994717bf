import ArgumentParser

@main
struct HapaxTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hapax-train",
        abstract: "Train GPT-style models on hapax shards, with or without the Hapax loss mask.",
        discussion: """
            Train the same model twice, once with --mask none (vanilla) and once with --mask hapax, \
            measure what Hapax changed (induction heads, copying, few-shot tasks), and compare the runs \
            in one page:

              hapax-train train --data data/shards --mask none  --out runs/vanilla --analyze-every 200
              hapax-train train --data data/shards --mask hapax --out runs/hapax --analyze-every 200
              hapax-train analyze --run runs/hapax
              hapax-train icl --run runs/hapax
              hapax-train report runs/vanilla runs/hapax -o report.html
            """,
        subcommands: [Train.self, Eval.self, Sample.self, Analyze.self, ICL.self, Report.self, Export.self])
}

struct CommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
