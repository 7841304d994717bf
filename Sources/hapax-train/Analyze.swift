import Analysis
import ArgumentParser
import Foundation
import WorkerPool
import Shards
import Training

struct Analyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure what Hapax changes in a trained run: induction heads, copying, in-context learning.",
        discussion: """
            Prefix matching: N sequences of R distinct random token ids followed by the same R ids \
            again; a head's score is its mean attention from position R+i of the second copy to key \
            i+1 (the token after the earlier occurrence). Heads scoring at least --threshold count as \
            induction heads. Repetition: sequences r1 … rs r1 … r(s-1); accuracy of the greedy next \
            token against rs, and the mean loss on the second copy against the first.

            Random ids are drawn uniformly from the vocabulary's ordinary tokens, as the paper does. \
            Small models never learn most of a vocabulary, so the same measures are also taken on \
            tokens seen at least 10 times in the first 4096 training windows ("frequent").

            With the run's shards (or --data): the token-loss difference (mean validation loss at \
            position 500 minus at 50; for shorter contexts at the last position and a tenth of it) \
            and the validation loss on all targets and on those hapax n = 2 keeps and drops.

            The result is also written to RUN/analysis.json, which `report` reads.

            Examples:
              hapax-train analyze --run runs/hapax
              hapax-train analyze --run runs/vanilla --json --sequences 200 --seed 7
            """)

    @Option(name: .customLong("run"), help: "Run folder.") var runFolder: String
    @Option(help: "Shard folder for the frequent tokens and the validation losses (default: the run's).") var data: String?
    @Flag(help: "Print one JSON object.") var json = false
    @Option(help: "Prefix-matching sequences.") var sequences = 100
    @Option(help: "Length R of each prefix-matching sequence's first half (at most half the context).") var repeatLength = 50
    @Option(help: "Repetition-test sequences.") var repetitions = 1000
    @Option(help: "Length s of each repetition sequence's first copy (at most half the context).") var repetitionLength = 20
    @Option(help: "Score at or above which a head counts as an induction head.") var threshold = 0.4
    @Option(help: "Seed of the random sequences.") var seed: UInt64 = 1
    @Option(help: "Validation windows (default: all).") var evalWindows: Int?
    @Option(help: "Threads.") var threads = ProcessInfo.processInfo.activeProcessorCount
    @OptionGroup var tokenizerOption: TokenizerOption

    func validate() throws {
        guard sequences >= 1, repetitions >= 1 else { throw ValidationError("--sequences and --repetitions must be at least 1") }
        guard repeatLength >= 2, repetitionLength >= 2 else { throw ValidationError("--repeat-length and --repetition-length must be at least 2") }
        guard (1...maximumThreads).contains(threads) else { throw ValidationError("--threads must be between 1 and \(maximumThreads)") }
        if let evalWindows, evalWindows < 1 { throw ValidationError("--eval-windows must be at least 1") }
    }

    func run() throws {
        let start = DispatchTime.now()
        let run = try LoadedRun(runFolder, batch: 8, threads: threads)
        let tokenizer = try run.tokenizer()
        let ordinary = tokenizer.ordinaryIds.filter { Int($0) < run.config.model.vocabSize }
        var shards: ShardFolder?
        do {
            shards = try run.shards(data, allowOtherTokenizer: tokenizerOption.allowOtherTokenizer)
        } catch {
            if data != nil { throw error }
            printError("note: \(error); measuring without the validation losses and frequent tokens")
        }
        let probes = CopyingProbes(sequences: sequences, repeatLength: repeatLength, repetitions: repetitions,
                                   repetitionLength: repetitionLength, seed: seed, threshold: threshold, threads: threads)
        let parameters = run.model.parameters.pointer, config = run.config.model
        let uniform = probes.measure(parameters: parameters, config: config, pool: TokenPool(ids: ordinary))
        var frequent: CopyingMeasures?, evaluation: EvaluationResult?
        if let shards {
            do {
                let pool = try TokenPool.frequent(in: shards, among: ordinary)
                if pool.ids.count >= 4 { frequent = probes.measure(parameters: parameters, config: config, pool: pool) }
                if shards.windowCount(.val) > 0 { evaluation = try evaluate(run.model, folder: shards, maxWindows: evalWindows) }
            } catch { throw CommandError("\(error)") }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        let report = AnalysisReport(step: run.step, probes: probes, uniform: uniform, frequent: frequent, evaluation: evaluation,
                                    seconds: seconds)
        do { try AtomicFile.write(ManifestJSON.encode(report), to: run.folder.file("analysis.json")) } catch { throw CommandError(error.description) }
        if json { return FileHandle.standardOutput.write(Data(ManifestJSON.encode(report))) }
        printText(report)
    }

    private func printText(_ report: AnalysisReport) {
        print("analysis of \(runFolder)\(report.step.map { " at step \($0)" } ?? "") in \(String(format: "%.1f", report.seconds)) s")
        for (name, measures) in [("uniform", report.uniform), ("frequent", report.frequent)] {
            guard let m = measures else { continue }
            print("\n\(name) random tokens (\(m.tokens) ids): prefix matching on \(report.sequences) sequences of 2 × \(m.repeatLength)")
            print(String(format: "  induction heads (score ≥ %.2f): %d; top-10 mean %.3f; best %@", m.threshold, m.inductionHeads, m.top10Mean,
                         m.topHeads.prefix(4).joined(separator: ", ")))
            print("  per head " + (0..<(m.prefixMatching.first?.count ?? 0)).map { "H\($0)".leftPad(7) }.joined())
            for (layer, heads) in m.prefixMatching.enumerated() {
                print("  L\(layer)".padding(toLength: 10, withPad: " ", startingAt: 0) + heads.map { String(format: "%7.3f", $0) }.joined())
            }
            print(String(format: "  repetition (s = %d, %d sequences): accuracy %.3f; loss on the first copy %.3f, on the second %.3f",
                         m.repetitionLength, report.repetitions, m.repetitionAccuracy, m.repetitionLossFirst, m.repetitionLossSecond))
        }
        if let score = report.iclScore, let positions = report.iclPositions, let all = report.lossAll, let kept = report.lossKept {
            print(String(format: "\ntoken-loss difference (loss at position %d minus at %d): %.4f", positions[1], positions[0], score))
            print(String(format: "validation loss: all %.4f, kept %.4f, dropped %@ (hapax n = 2)", all, kept,
                         report.lossDropped.map { String(format: "%.4f", $0) } ?? "–"))
        }
    }
}

extension String {
    func leftPad(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
