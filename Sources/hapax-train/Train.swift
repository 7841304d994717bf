import Analysis
import ArgumentParser
import Foundation
import InductionDetector
import WorkerPool
import Shards
import Tokenization
import Training

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a model on a shard folder with a loss mask.",
        discussion: """
            The vocabulary and the context (seq_len) come from the shards. The loss is the mean \
            cross-entropy over the targets the mask keeps: hapax drops a target when the n-gram ending \
            there (n = --ngram) occurred earlier in its window; none keeps all; repeat drops repeated \
            tokens; offset drops targets right after a repeated token; random:P drops a seeded share P.

            The run folder gets config.json, metrics.jsonl (one line per step, validation losses every \
            --eval-every steps), model.safetensors (the latest weights, nanoGPT names, [out, in] \
            matrices) and checkpoints/. Ctrl-C saves a checkpoint and stops; --resume continues \
            exactly where the last checkpoint left off.
            """)

    @Option(help: "Shard folder written by hapax-prep shard.")
    var data: String

    @Option(help: "Run folder.")
    var out: String

    @Option(help: "hapax, none, repeat, offset, or random:P.")
    var mask = "hapax"

    @Option(help: "n of the hapax rule.")
    var ngram = 2

    @Option(help: "Transformer blocks.") var layers = 4
    @Option(help: "Attention heads per block.") var heads = 4
    @Option(help: "Model width.") var width = 256
    @Option(help: "Windows per batch.") var batchSize = 16
    @Option(help: "Optimizer steps.") var steps = 1000
    @Option(help: "Peak learning rate.") var lr: Float = 1e-3
    @Option(help: "Linear warm-up steps.") var warmup = 100
    @Option(help: "AdamW weight decay on matrices and embeddings.") var weightDecay: Float = 0.1
    @Option(help: "Gradient clipping: the largest global gradient norm (0: no clipping).") var clip: Float = 1.0
    @Option(help: "Seed of initialisation, shuffling and random masks.") var seed: UInt64 = 1
    @Option(help: "Threads; each batch is split over them.") var threads = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Validate every N steps (0: only at the end).") var evalEvery = 100
    @Option(help: "Validation windows (the first ones of the val split).") var evalWindows = 64
    @Option(help: "Checkpoint every N steps (0: only at the end).") var checkpointEvery = 100
    @Option(help: "Must equal the shards' seq_len when given.") var seqLen: Int?
    @Option(help: ArgumentHelp("Every K steps, add the prefix-matching scores, induction-head count and repetition accuracy to metrics.jsonl (0: never).",
                               discussion: "Each measurement draws 32 prefix-matching and 200 repetition sequences, on uniform and on frequent tokens, with the same seed every time."))
    var analyzeEvery = 0
    @Flag(help: "Blocks without MLPs.") var attentionOnly = false
    @Flag(help: "Tie the LM head to the token embeddings.") var tiedEmbeddings = false
    @Flag(help: "Continue the run in --out from its last checkpoint.") var resume = false
    @Flag(help: ArgumentHelp("At the end, print where the steps' time went: each phase of each layer, forward and backward, and the steps around them.",
                             discussion: "Validation and analysis steps are left out; the model's phases are timed on the first thread's share of the batch."))
    var profile = false
    @OptionGroup var tokenizerOption: TokenizerOption

    func validate() throws {
        guard layers >= 1, heads >= 1, width >= heads, width % heads == 0 else {
            throw ValidationError("need layers >= 1 and a width that is a multiple of heads")
        }
        guard batchSize >= 1, steps >= 1, warmup >= 0 else { throw ValidationError("--batch-size and --steps must be positive, --warmup at least 0") }
        guard (1...maximumThreads).contains(threads) else { throw ValidationError("--threads must be between 1 and \(maximumThreads)") }
        guard MaskRule.ngramRange.contains(ngram) else { throw ValidationError("--ngram must be between 1 and 255 (stored match lengths stop at 255)") }
        guard clip.isFinite, clip >= 0 else { throw ValidationError("--clip must be a finite norm, or 0 for no clipping") }
        guard lr.isFinite, lr > 0, weightDecay.isFinite, weightDecay >= 0 else { throw ValidationError("--lr must be positive and --weight-decay at least 0") }
        guard evalEvery >= 0, checkpointEvery >= 0 else { throw ValidationError("--eval-every and --checkpoint-every must be 0 (only at the end) or positive") }
        guard evalWindows >= 1 else { throw ValidationError("--eval-windows must be at least 1") }
        guard analyzeEvery >= 0 else { throw ValidationError("--analyze-every must be 0 (never) or positive") }
    }

    func run() throws {
        let folder: ShardFolder
        do { folder = try ShardFolder(path: data) } catch { throw CommandError(error.description) }
        let parameters = folder.parameters
        if let seqLen, seqLen != parameters.seqLen {
            throw CommandError("--seq-len \(seqLen) does not match the shards in \(data), whose seq_len is \(parameters.seqLen)")
        }
        if warmup >= steps {
            printError("note: --warmup \(warmup) is not below --steps \(steps), so the learning rate never reaches its peak \(lr)")
        }
        let model = ModelConfig(layers: layers, heads: heads, width: width, vocabSize: parameters.tokenizer.vocabSize,
                                context: parameters.seqLen, attentionOnly: attentionOnly, tiedEmbeddings: tiedEmbeddings)
        let options = TrainingOptions(data: data, mask: mask, ngram: ngram, batchSize: batchSize, steps: steps, learningRate: lr,
                                      warmup: warmup, weightDecay: weightDecay, gradientClip: clip, seed: seed, threads: threads,
                                      evalEvery: evalEvery, evalWindows: evalWindows, checkpointEvery: checkpointEvery)
        var config = RunConfig(model: model, training: options, tokenizer: nil)
        let runFolder = RunFolder(path: out)
        let configPath = runFolder.file("config.json")
        do {
            if !resume && FileManager.default.fileExists(atPath: configPath) {
                throw CommandError("\(out) already holds a run; pass --resume to continue it, or choose a new --out")
            }
            if resume && !FileManager.default.fileExists(atPath: configPath) {
                throw CommandError("\(out) holds no run to resume (no config.json)")
            }
            if !resume { try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true) }
            // Checked again under the lock: another process may have started a run here meanwhile.
            let lock = try FolderLock(folder: out, user: "hapax-train train")
            defer { withExtendedLifetime(lock) {} }
            if resume {
                let saved = try ManifestJSON.decode(RunConfig.self, from: configPath)
                guard saved.model == config.model, saved.training == config.training else {
                    throw CommandError("\(configPath): the run was started with other options; resume with the same ones")
                }
                config = saved
                try LoadedRun.checkTokenizer(run: runFolder, config: config, shards: folder, allowOther: tokenizerOption.allowOtherTokenizer)
            } else {
                if FileManager.default.fileExists(atPath: configPath) {
                    throw CommandError("\(out) already holds a run; pass --resume to continue it, or choose a new --out")
                }
                config.tokenizer = try runFolder.adoptTokenizer(of: folder)
                try AtomicFile.write(ManifestJSON.encode(config), to: configPath)
            }
            signal(SIGINT) { _ in trainingInterrupted = true }
            let trainer = try Trainer(run: runFolder, config: config, resume: resume)
            for skipped in trainer.skippedCheckpoints { printError("warning: passed over a damaged checkpoint: \(skipped)") }
            printError("training \(layers) layers × width \(width) (\(trainer.model.layout.count) parameters, \(trainer.model.replicas.count) thread(s)) on \(data), "
                       + "mask \(trainer.mask), from step \(trainer.step) to \(steps)")
            let phases = profile ? PhaseProfile() : nil
            let finished = try trainer.train(analyzeEvery: analyzeEvery, analyze: try inductionProbe(folder), profile: phases) { printError($0) }
            printError(finished ? "done: \(out)/model.safetensors" : "interrupted at step \(trainer.step); checkpoint saved; continue with --resume")
            if let phases { printError(phases.summary()) }
        } catch let error as ShardError {
            throw CommandError(error.description)
        } catch let error as TrainingError {
            throw CommandError(error.description)
        }
    }
}

extension Train {
    /// The measurement `--analyze-every` records, on the ordinary tokens of the shards' tokenizer.
    func inductionProbe(_ folder: ShardFolder) throws -> ((GPT) -> InductionSnapshot)? {
        guard analyzeEvery > 0 else { return nil }
        let identity = folder.parameters.tokenizer
        let tokenizer: Tokenizer
        do { tokenizer = try Tokenizer.load(path: folder.file(identity.file), pattern: PreTokenizer(rawValue: identity.pattern)) } catch {
            throw CommandError(error.description)
        }
        let ordinary = tokenizer.ordinaryIds.filter { Int($0) < identity.vocabSize }
        let frequent: TokenPool
        do { frequent = try TokenPool.frequent(in: folder, among: ordinary) } catch { throw CommandError("\(error)") }
        let probes = CopyingProbes(sequences: 32, repetitions: 200, seed: seed, threads: threads)
        let uniform = TokenPool(ids: ordinary)
        return { probes.snapshot($0, uniform: uniform, frequent: frequent.ids.count >= 4 ? frequent : nil) }
    }
}

func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
