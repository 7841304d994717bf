import ArgumentParser
import Foundation
import Shards
import Training

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a run's model as a Hugging Face transformers folder.",
        discussion: """
            --format hf writes a GPT-2 folder (config.json, model.safetensors) that \
            AutoModelForCausalLM.from_pretrained loads and that gives hapax's logits; an \
            attention-only model gets MLPs of zeros. A run whose tokenizer is a tokenizer.json also \
            gets that file and a tokenizer_config.json, so AutoTokenizer loads it too.

            Examples:
              hapax-train export --run runs/vanilla --format hf -o runs/vanilla-hf
              hapax-shards analyze --model runs/vanilla-hf --data data/shards
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case hf }

    @Option(name: .customLong("run"), help: "Run folder.") var runFolder: String
    @Option(help: "What to write: hf (a transformers GPT-2 folder).") var format: Format
    @Option(name: [.customShort("o"), .customLong("output")], help: "Output folder (created; files in it are replaced).") var output: String

    func run() throws {
        let run = try LoadedRun(runFolder, batch: 1, threads: 1)
        let config = run.config.model
        do {
            try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        } catch { throw CommandError("cannot create \(output): \(error.localizedDescription)") }
        let weights = HuggingFaceExport.weights(run.model.parameters.pointer, config: config)
        let folder = URL(fileURLWithPath: output)
        do {
            try AtomicFile.write(weights, to: folder.appendingPathComponent("model.safetensors").path)
            try AtomicFile.write(HuggingFaceExport.configuration(config, endOfText: run.config.tokenizer?.endOfText),
                                 to: folder.appendingPathComponent("config.json").path)
            if let identity = run.config.tokenizer, let path = run.folder.tokenizerCopy(identity), Self.isHuggingFaceFile(path) {
                try AtomicFile.write(Array(FileManager.default.contents(atPath: path)!), to: folder.appendingPathComponent("tokenizer.json").path)
                let tokenizerConfig = #"{"tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": \#(config.context)}"#
                try AtomicFile.write(Array(tokenizerConfig.utf8), to: folder.appendingPathComponent("tokenizer_config.json").path)
            }
        } catch { throw CommandError(error.description) }
        print("wrote \(output): a transformers GPT-2 folder (\(config.layers) layers, width \(config.width), vocabulary \(config.vocabSize)\(config.attentionOnly ? ", attention-only as zero MLPs" : ""))")
    }

    /// A Hugging Face tokenizer.json (a Tekken file is JSON too, but has no `model`).
    private static func isHuggingFaceFile(_ path: String) -> Bool {
        guard let data = FileManager.default.contents(atPath: path),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return false }
        return object["model"] is [String: Any]
    }
}
