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
            gets that file and a tokenizer_config.json naming its end-of-text token, so AutoTokenizer \
            loads it too; another tokenizer (rank file, SentencePiece, Tekken) is copied to \
            tokenizer/NAME. hapax_tokenizer.json records the run's tokenizer identity, by which \
            hapax-shards analyze reads the tokenizer and refuses shards of another. The tokenizer \
            files of an earlier export in the folder are removed.

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
        let folder = URL(fileURLWithPath: output)
        let files = FileManager.default
        do {
            try files.createDirectory(atPath: output, withIntermediateDirectories: true)
            for name in HuggingFaceExport.tokenizerFiles where files.fileExists(atPath: folder.appendingPathComponent(name).path) {
                try files.removeItem(at: folder.appendingPathComponent(name))
            }
        } catch { throw CommandError("cannot prepare \(output): \(error.localizedDescription)") }
        let weights = HuggingFaceExport.weights(run.model.parameters.pointer, config: config)
        let identity = run.config.tokenizer
        let tokenizerNote: String
        do {
            try AtomicFile.write(weights, to: folder.appendingPathComponent("model.safetensors").path)
            try AtomicFile.write(HuggingFaceExport.configuration(config, endOfText: identity?.endOfText, beginningOfText: identity?.beginningOfText),
                                 to: folder.appendingPathComponent("config.json").path)
            tokenizerNote = try identity.map { try writeTokenizer(run, identity: $0, to: folder) } ?? "no tokenizer (the run records none)"
        } catch let error as ShardError { throw CommandError(error.description) }
        print("wrote \(output): a transformers GPT-2 folder (\(config.layers) layers, width \(config.width), vocabulary \(config.vocabSize)\(config.attentionOnly ? ", attention-only as zero MLPs" : "")) and \(tokenizerNote)")
    }

    /// Copies the run's tokenizer into `folder` with `hapax_tokenizer.json` naming it; returns what was written.
    private func writeTokenizer(_ run: LoadedRun, identity: TokenizerIdentity, to folder: URL) throws -> String {
        guard let path = run.folder.tokenizerCopy(identity), let bytes = FileManager.default.contents(atPath: path) else {
            return "no tokenizer (\(run.folder.file(identity.file)) is missing, or its sha256 is not config.json's tokenizer.sha256)"
        }
        var record = identity
        let note: String
        if Self.isHuggingFaceFile(path) {
            record.file = "tokenizer.json"
            let tokenizer = try run.tokenizer()
            func content(_ id: UInt32?) -> String? { id.flatMap { id in tokenizer.specialTokens.first { $0.value == id }?.key } }
            try AtomicFile.write(HuggingFaceExport.tokenizerConfiguration(context: run.config.model.context, endOfText: content(identity.endOfText),
                                                                          beginningOfText: content(identity.beginningOfText)),
                                 to: folder.appendingPathComponent("tokenizer_config.json").path)
            note = "tokenizer.json, which AutoTokenizer loads"
        } else {
            let copies = folder.appendingPathComponent(HuggingFaceExport.tokenizerFolder)
            do { try FileManager.default.createDirectory(at: copies, withIntermediateDirectories: true) } catch {
                throw CommandError("cannot create \(copies.path): \(error.localizedDescription)")
            }
            record.file = HuggingFaceExport.tokenizerFolder + "/" + URL(fileURLWithPath: path).lastPathComponent
            note = "\(record.file), which hapax-shards analyze reads (AutoTokenizer does not)"
        }
        try AtomicFile.write(Array(bytes), to: folder.appendingPathComponent(record.file).path)
        try AtomicFile.write(ManifestJSON.encode(record), to: folder.appendingPathComponent(HuggingFaceExport.tokenizerRecord).path)
        return note
    }

    /// A Hugging Face tokenizer.json (a Tekken file is JSON too, but has no `model`).
    private static func isHuggingFaceFile(_ path: String) -> Bool {
        guard let data = FileManager.default.contents(atPath: path),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return false }
        return object["model"] is [String: Any]
    }
}
