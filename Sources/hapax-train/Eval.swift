import ArgumentParser
import Foundation
import WorkerPool
import Shards
import Tokenization
import Training

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validation losses of a run: on all targets, and on those hapax n = 2 keeps and drops.")

    @Option(name: .customLong("run"), help: "Run folder.") var runFolder: String
    @Option(help: "Shard folder (default: the one the run trained on).") var data: String?
    @Option(help: "Windows of the val split to use (default: all).") var windows: Int?
    @Option(help: "Windows per forward pass.") var batchSize = 8
    @Option(help: "Threads; the batch is split over them.") var threads = ProcessInfo.processInfo.activeProcessorCount
    @Flag(help: "Print one JSON object.") var json = false
    @OptionGroup var tokenizerOption: TokenizerOption

    func validate() throws {
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        guard (1...maximumThreads).contains(threads) else { throw ValidationError("--threads must be between 1 and \(maximumThreads)") }
        if let windows, windows < 1 { throw ValidationError("--windows must be at least 1") }
    }

    func run() throws {
        let run = try LoadedRun(runFolder, batch: batchSize, threads: threads)
        let folder = try run.shards(data, allowOtherTokenizer: tokenizerOption.allowOtherTokenizer)
        let result: EvaluationResult
        do { result = try evaluate(run.model, folder: folder, maxWindows: windows) } catch { throw CommandError(error.description) }
        if json {
            FileHandle.standardOutput.write(Data(ManifestJSON.encode(result)))
        } else {
            print(String(format: "val loss: all %.4f, kept %.4f, dropped %@ over %d targets (%d kept, %d dropped by hapax n=2)",
                         result.lossAll, result.lossKept, result.lossDropped.map { String(format: "%.4f", $0) } ?? "–",
                         result.targets, result.keptTargets, result.droppedTargets))
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

    func validate() throws {
        guard tokens >= 0 else { throw ValidationError("--tokens must be at least 0") }
        guard temperature.isFinite, temperature > 0 else { throw ValidationError("--temperature must be positive") }
        if let topK, topK < 1 { throw ValidationError("--top-k must be at least 1") }
    }

    func run() throws {
        let run = try LoadedRun(runFolder, batch: 1, threads: 1)
        let model = run.model.primary
        let tokenizer = try run.tokenizer()
        let ids = tokenizer.encode(prompt)
        guard !ids.isEmpty else { throw ValidationError("--prompt must not be empty") }
        let continuation = model.sample(prompt: ids, count: tokens, temperature: temperature, topK: topK, seed: seed)
        print(prompt + tokenizer.decode(continuation))
    }
}
