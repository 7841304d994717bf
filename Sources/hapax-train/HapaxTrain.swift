import ArgumentParser

@main
struct HapaxTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hapax-train",
        abstract: "Train GPT-style models on hapax shards, with or without the Hapax loss mask.",
        discussion: "Training arrives in a later release; this command only describes itself for now.")
}
