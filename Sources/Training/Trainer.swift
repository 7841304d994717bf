import Foundation
import Shards

/// Set by SIGINT; the training loop saves a checkpoint and stops at the end of the step.
nonisolated(unsafe) public var trainingInterrupted = false

public final class Trainer {
    public let run: RunFolder
    public let config: RunConfig
    public let folder: ShardFolder
    public let model: ReplicatedGPT
    public let optimizer: AdamW
    public let mask: TrainingMask
    private let loader: WindowLoader
    private let schedule: LearningRateSchedule
    private var state: TrainerState
    /// Damaged checkpoints a resumed run passed over, each named with what is wrong.
    public private(set) var skippedCheckpoints: [String] = []

    public init(run: RunFolder, config: RunConfig, resume: Bool) throws {
        self.run = run
        self.config = config
        let options = config.training
        folder = try ShardFolder(path: options.data)
        guard let mask = TrainingMask(options.mask, ngram: options.ngram, seed: options.seed) else {
            throw TrainingError("unknown mask \(options.mask) (hapax, none, repeat, offset, random:P)")
        }
        self.mask = mask
        model = ReplicatedGPT(config: config.model, batch: options.batchSize, threads: options.threads)
        optimizer = AdamW(layout: model.layout, weightDecay: options.weightDecay)
        schedule = LearningRateSchedule(peak: options.learningRate, warmup: options.warmup, steps: options.steps)
        if resume && !run.completeCheckpoints().isEmpty {
            (state, skippedCheckpoints) = try run.restore(model: model.primary, optimizer: optimizer)
            try run.publish(model: model.primary, step: state.step)
        } else {
            // A run stopped before its first checkpoint resumes from the start: nothing was finished.
            model.primary.initialize(seed: options.seed)
            state = TrainerState(step: 0, epoch: 0, cursor: 0, adamSteps: 0)
        }
        loader = try WindowLoader(folder: folder, split: .train, seed: options.seed, epoch: state.epoch, cursor: state.cursor)
    }

    public var step: Int { state.step }

    private func timed<R>(_ phase: String, _ profile: PhaseProfile?, _ body: () throws -> R) rethrows -> R {
        guard let profile else { return try body() }
        return try profile.time(phase, body)
    }

    /// Trains up to the configured number of steps, or until interrupted; `log` receives progress
    /// lines. Every `analyzeEvery` steps (0: never), `analyze` measures the model's induction heads
    /// for the metrics. Returns whether the run finished.
    public func train(analyzeEvery: Int = 0, analyze: ((GPT) -> InductionSnapshot)? = nil, profile: PhaseProfile? = nil,
                      log: (String) -> Void) throws -> Bool {
        let options = config.training, T = config.model.context
        let metricsPath = run.file("metrics.jsonl")
        try truncateMetrics(metricsPath, after: state.step)
        let metrics = FileHandle(forWritingAtPath: metricsPath)!
        metrics.seekToEndOfFile()
        defer { try? metrics.close() }
        let start = DispatchTime.now()
        let startStep = state.step
        while state.step < options.steps {
            let stepStart = DispatchTime.now()
            let rate = schedule.rate(at: state.step)
            let (batch, kept) = try timed("batch and mask", profile) {
                let batch = try loader.next(options.batchSize)
                var kept: [Bool] = []
                for (b, window) in batch.windows.enumerated() { kept += mask.kept(window: window, matches: batch.matches[b]) }
                return (batch, kept)
            }
            model.profile = profile
            let (loss, keptCount) = model.forwardBackward(inputs: batch.inputs, targets: batch.targets, kept: kept)
            model.profile = nil
            guard keptCount == 0 || loss.isFinite else {
                let last = run.completeCheckpoints().last.map { "\(run.checkpoints)/\($0)" } ?? "none"
                throw TrainingError("step \(state.step + 1): the loss is \(loss): the run diverged (try a lower --lr); the last good checkpoint is \(last)")
            }
            // A batch with no kept target teaches nothing: no update, so the moments and decay do not move either.
            let norm = keptCount > 0 ? timed("gradient norm", profile) { gradientNorm(model.gradients, threads: options.threads) } : nil
            if let norm {
                timed("AdamW", profile) {
                    optimizer.update(model.parameters, model.gradients, learningRate: rate,
                                     gradientScale: clipScale(norm: norm, maximum: options.gradientClip), threads: options.threads)
                }
            }
            state = TrainerState(step: state.step + 1, epoch: loader.epoch, cursor: loader.cursor, adamSteps: optimizer.stepCount)

            let seconds = Double(DispatchTime.now().uptimeNanoseconds - stepStart.uptimeNanoseconds) / 1e9
            profile?.step(seconds)
            var record = MetricsRecord(step: state.step, trainLoss: keptCount > 0 ? Double(loss) : nil, lr: Double(rate),
                                       gradNorm: norm.map(Double.init), keptShare: Double(keptCount) / Double(kept.count),
                                       tokensPerSecond: Double(options.batchSize * T) / seconds)
            let finished = state.step == options.steps
            let evaluates = finished || (options.evalEvery > 0 && state.step % options.evalEvery == 0)
            if evaluates && folder.windowCount(.val) > 0 {
                record.record(try evaluate(model, folder: folder, maxWindows: options.evalWindows))
            }
            if let analyze, analyzeEvery > 0, finished || state.step % analyzeEvery == 0 {
                record.induction = analyze(model.primary)
            }
            metrics.write(Data(ManifestJSON.line(record)))

            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            let perStep = elapsed / Double(state.step - startStep)
            var line = String(format: "step %d/%d  loss %.4f  lr %.2e  %.0f tokens/s  ETA %@", state.step, options.steps, loss, rate,
                              Double(options.batchSize * T) / perStep, formatDuration(perStep * Double(options.steps - state.step)))
            if let val = record.valLossAll { line += String(format: "  val %.4f", val) }
            if let induction = record.induction {
                line += String(format: "  best head %.3f", induction.prefixMatching.joined().max() ?? 0)
                    + (induction.frequent.map { String(format: " (frequent %.3f)", $0.bestHead) } ?? "")
                    + String(format: ", induction heads %d, repetition %.3f", induction.inductionHeads, induction.repetitionAccuracy)
            }
            log(line)

            if finished || trainingInterrupted || (options.checkpointEvery > 0 && state.step % options.checkpointEvery == 0) {
                try run.save(model: model.primary, optimizer: optimizer, state: state)
            }
            if trainingInterrupted { return false }
        }
        return true
    }

    /// Keeps the metrics of steps up to `step`, so that a resumed run's file reads like an uninterrupted one.
    private func truncateMetrics(_ path: String, after step: Int) throws(ShardError) {
        let existing = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        let kept = existing.split(separator: "\n").filter { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let lineStep = object["step"] as? Int else { return false }
            return lineStep <= step
        }
        try AtomicFile.write(Array(kept.map { $0 + "\n" }.joined().utf8), to: path)
    }
}

func formatDuration(_ seconds: Double) -> String {
    let total = Int(seconds.rounded())
    return total >= 3600 ? String(format: "%d:%02d:%02d", total / 3600, total / 60 % 60, total % 60)
        : String(format: "%d:%02d", total / 60, total % 60)
}
