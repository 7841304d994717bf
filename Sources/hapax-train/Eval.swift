import ArgumentParser
import Foundation
import Shards
import Tokenization
import Training

/// A trained model loaded from a run folder, with batch size `batch` split over `threads`.
func loadRun(_ path: String, batch: Int, threads: Int) throws -> (config: RunConfig, model: ReplicatedGPT) {
    let run = RunFolder(path: path)
    do {
        let config = try ManifestJSON.decode(RunConfig.self, from: run.file("config.json"))
        let model = ReplicatedGPT(config: config.model, batch: batch, threads: threads)
        try RunFolder.load(SafeTensors.read(run.file("model.safetensors")), into: model.parameters, layout: model.layout,
                           prefix: "", source: run.file("model.safetensors"))
        return (config, model)
    } catch {
        throw CommandError(error.description)
    }
}

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validation losses of a run: on all targets, and on those hapax n = 2 keeps and drops.")

    @Option(name: .customLong("run"), help: "Run folder.") var runFolder: String
    @Option(help: "Shard folder (default: the one the run trained on).") var data: String?
    @Option(help: "Windows of the val split to use (default: all).") var windows: Int?
    @Option(help: "Windows per forward pass.") var batchSize = 8
    @Option(help: "Threads; the batch is split over them.") var threads = ProcessInfo.processInfo.activeProcessorCount
    @Flag(help: "Print one JSON object.") var json = false

    func run() throws {
        let (config, model) = try loadRun(runFolder, batch: batchSize, threads: threads)
        let path = data ?? config.training.data
        do {
            let folder = try ShardFolder(path: path)
            guard folder.parameters.seqLen == config.model.context, folder.parameters.tokenizer.vocabSize == config.model.vocabSize else {
                throw CommandError("\(path): seq_len \(folder.parameters.seqLen) and vocabulary \(folder.parameters.tokenizer.vocabSize) do not match the run's context \(config.model.context) and vocabulary \(config.model.vocabSize)")
            }
            let result = try evaluate(model, folder: folder, maxWindows: windows)
            if json {
                FileHandle.standardOutput.write(Data(ManifestJSON.encode(result)))
            } else {
                print(String(format: "val loss: all %.4f, kept %.4f, dropped %@ over %d targets (%d kept, %d dropped by hapax n=2)",
                             result.lossAll, result.lossKept, result.lossDropped.map { String(format: "%.4f", $0) } ?? "–",
                             result.targets, result.keptTargets, result.droppedTargets))
            }
        } catch let error as ShardError {
            throw CommandError(error.description)
        }
    }
}

struct Sample: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Continue a prompt with a trained model.")

    @Option(name: .customLong("run"), help: "Run folder.") var runFolder: String
    @Option(help: "Text to continue.") var prompt: String
    @Option(help: "Tokens to generate.") var tokens = 100
    @Option(help: "Softmax temperature.") var temperature: Float = 0.8
    @Option(help: "Sample among the k most likely tokens.") var topK: Int?
    @Option(help: "Seed of the draws.") var seed: UInt64 = 1

    func run() throws {
        let (config, replicated) = try loadRun(runFolder, batch: 1, threads: 1)
        let model = replicated.primary
        let tokenizer: Tokenizer
        do {
            let folder = try ShardFolder(path: config.training.data)
            let identity = folder.parameters.tokenizer
            tokenizer = try Tokenizer.load(path: folder.file(identity.file), pattern: PreTokenizer(rawValue: identity.pattern))
        } catch let error as ShardError {
            throw CommandError(error.description)
        } catch let error as TokenizerError {
            throw CommandError(error.description)
        }
        let ids = tokenizer.encode(prompt)
        guard !ids.isEmpty else { throw ValidationError("--prompt must not be empty") }
        let continuation = model.sample(prompt: ids, count: tokens, temperature: temperature, topK: topK, seed: seed)
        print(prompt + tokenizer.decode(continuation))
    }
}
