import ArgumentParser
import Foundation
import InductionDetector
import CorpusFormats
import Preprocessing
import Shards
import Tokenization

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Mask statistics of a shard folder, or one window with its dropped tokens highlighted.",
        discussion: """
            Shows, per split, the share of targets each rule drops (hapax for n = 2 … 8, repeat, \
            offset), the hapax n = 2 share by position in the window and by document length, the \
            bigrams whose repeats are dropped most, and the size on disk. When the corpus holds \
            few-shot documents in the format `hapax-train icl` uses ("Q: {input}\\nA: {output}"), also \
            the share of their answer tokens each rule drops, per family: extractive when the answer's \
            words occur in its input, abstractive otherwise (train split).

            With --window K, prints window K decoded, dropped targets highlighted: in colour on a \
            terminal, otherwise (or under NO_COLOR) between ⟦ and ⟧. In a folder made with token \
            classes, targets dropped only through classes (not by exact repeats) are marked apart: in \
            yellow, or between ⟪ and ⟫.

            Examples:
              hapax-prep inspect data/shards
              hapax-prep inspect data/shards --json > stats.json
              hapax-prep inspect data/shards --window 3 --ngram 3
            """)

    @Argument(help: "A shard folder.")
    var folder: String

    @Flag(help: "Print the statistics as one JSON object.")
    var json = false

    @Option(help: "Print this window of --split with its dropped tokens highlighted.")
    var window: Int?

    @Option(help: "Split for --window.")
    var split: Split = .train

    @Option(help: "n of the hapax rule that --window highlights.")
    var ngram = 2

    func validate() throws {
        guard MaskRule.ngramRange.contains(ngram) else { throw ValidationError("--ngram must be between 1 and 255 (stored match lengths stop at 255)") }
    }

    func run() throws {
        let folder = try openFolder(self.folder)
        let tokenizer = try folderTokenizer(folder)
        if let window { return try printWindow(window, folder: folder, tokenizer: tokenizer) }
        var statistics: [String: ShardStatistics] = [:]
        let answers: AnswerStatistics
        do {
            for split in Split.allCases { statistics[split.rawValue] = try ShardStatistics(folder: folder, split: split) }
            answers = try AnswerStatistics(folder: folder, split: .train, tokenizer: tokenizer)
        } catch { throw CommandError("\(error)") }
        let stats = folder.manifest.statistics
        let stored = statistics.values.reduce(0) { $0 + $1.windows } * folder.parameters.windowLength
        let raw = stored * (folder.parameters.tokenizer.tokenWidth + 1)
        let ratio = stats.shardBytes > 0 ? Double(raw) / Double(stats.shardBytes) : 0
        if json {
            let report = InspectReport(splits: statistics, documents: folder.manifest.splits.mapValues(\.documents),
                                       shardBytes: stats.shardBytes, bytesPerToken: stats.bytesPerToken, compressionRatio: ratio,
                                       answers: answers.families.isEmpty ? nil : answers)
            FileHandle.standardOutput.write(Data(ManifestJSON.encode(report)))
            return
        }
        printText(folder: folder, tokenizer: tokenizer, statistics: statistics, compressionRatio: ratio)
        printAnswers(answers)
    }

    struct InspectReport: Codable {
        var splits: [String: ShardStatistics]
        var documents: [String: Int]
        var shardBytes: Int
        var bytesPerToken: Double
        var compressionRatio: Double
        var answers: AnswerStatistics?
    }

    private func printAnswers(_ answers: AnswerStatistics) {
        guard !answers.families.isEmpty else { return }
        print("dropped share of few-shot answer tokens (train; extractive: the answer's words are in its input)")
        let names = ShardStatistics.rules.map(\.0).filter { ["hapax2", "hapax3", "repeat", "offset"].contains($0) }
        print("  family".padding(toLength: 28, withPad: " ", startingAt: 0) + "answers".leftPad(10) + "tokens".leftPad(10)
              + names.map { ($0.hasPrefix("hapax") ? "hapax n=\($0.dropFirst(5))" : $0).leftPad(12) }.joined())
        for name in ["extractive", "abstractive"] {
            guard let family = answers.families[name] else { continue }
            print("  \(name)".padding(toLength: 28, withPad: " ", startingAt: 0) + String(family.answers).leftPad(10) + String(family.tokens).leftPad(10)
                  + names.map { percent(family.dropped[$0]!, family.tokens).leftPad(12) }.joined())
        }
    }

    private func percent(_ part: Int, _ whole: Int) -> String {
        whole > 0 ? String(format: "%5.1f%%", 100 * Double(part) / Double(whole)) : "    –"
    }

    private func printText(folder: ShardFolder, tokenizer: Tokenizer, statistics: [String: ShardStatistics], compressionRatio: Double) {
        let parameters = folder.parameters, manifest = folder.manifest
        let train = statistics["train"]!, val = statistics["val"]!
        func row(_ name: String, _ a: String, _ b: String) { print(name.padding(toLength: 28, withPad: " ", startingAt: 0) + a.leftPad(12) + b.leftPad(12)) }
        print("\(folder.path): \(parameters.tokenizer.file) (\(parameters.tokenizer.pattern) pattern, \(parameters.tokenizer.vocabSize) ids), "
              + "seq_len \(parameters.seqLen), \(parameters.scope.rawValue) scope, \(manifest.units) work unit(s)")
        row("", "train", "val")
        row("documents", String(manifest.splits["train"]!.documents), String(manifest.splits["val"]!.documents))
        row("windows", String(train.windows), String(val.windows))
        row("targets (windows × seq_len)", String(train.targets), String(val.targets))
        print("dropped share of targets")
        for (name, _) in ShardStatistics.rules {
            let label = name.hasPrefix("hapax") ? "  hapax n=\(name.dropFirst(5))" : "  \(name)"
            row(label, percent(train.dropped[name]!, train.targets), percent(val.dropped[name]!, val.targets))
        }
        if let classes = parameters.classes, let added = train.addedByClasses, let addedVal = val.addedByClasses {
            print("of which token classes add (\(classes.file); exact matching drops the rest)")
            row("  hapax n=2", percent(added, train.targets), percent(addedVal, val.targets))
        }
        print("hapax n=2 by position in the window (train)")
        for bucket in train.byPosition {
            let bar = String(repeating: "█", count: Int((bucket.share * 50).rounded()))
            print("  \("\(bucket.lower)–\(bucket.upper! - 1)".padding(toLength: 14, withPad: " ", startingAt: 0)) \(percent(bucket.dropped, bucket.targets)) \(bar)")
        }
        print("hapax n=2 by document length in tokens (train)")
        for bucket in train.byDocumentLength where bucket.targets > 0 {
            let range = bucket.upper.map { "\(bucket.lower)–\($0 - 1)" } ?? "\(bucket.lower) and more"
            print("  \(range.padding(toLength: 14, withPad: " ", startingAt: 0)) \(percent(bucket.dropped, bucket.targets)) of \(bucket.targets) targets")
        }
        print("bigrams whose repeats are dropped most (train)")
        for bigram in train.topDroppedBigrams {
            let text = tokenizer.decode(bigram.tokens).debugDescription
            print("  \(String(bigram.count).leftPad(8))  \(text)")
        }
        let stats = manifest.statistics
        print(String(format: "on disk: %d bytes, %.3f bytes per token, compression ratio %.2f (against %d-byte ids plus 1-byte match lengths)",
                     stats.shardBytes, stats.bytesPerToken, compressionRatio, parameters.tokenizer.tokenWidth))
    }

    private func printWindow(_ k: Int, folder: ShardFolder, tokenizer: Tokenizer) throws {
        let (tokens, matches): (ArraySlice<UInt32>, ArraySlice<UInt8>)
        do { (tokens, matches) = try folder.window(split, k) } catch { throw CommandError(error.description) }
        let colour = isatty(STDOUT_FILENO) != 0 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
        let rule = MaskRule.hapax(n: ngram)
        let m = Array(matches), ids = Array(tokens)
        // Exact match lengths, to tell the drops that only token classes cause.
        let exact = folder.parameters.classes == nil ? m
            : MatchLengthDetector().matchLengths(ids, scope: folder.parameters.scope, endOfText: folder.parameters.tokenizer.endOfText)
        enum Mark { case kept, dropped, droppedByClass }
        let marks: [Mark] = m.withUnsafeBufferPointer { m in
            exact.withUnsafeBufferPointer { exact in
                ids.indices.map { t in
                    guard t >= 1, rule.drops(t, m) else { return .kept }
                    return rule.drops(t, exact) ? .dropped : .droppedByClass
                }
            }
        }
        func delimiters(_ mark: Mark) -> (String, String) {
            switch mark {
            case .kept: return ("", "")
            case .dropped: return colour ? ("\u{1B}[7;31m", "\u{1B}[0m") : ("⟦", "⟧")
            case .droppedByClass: return colour ? ("\u{1B}[7;33m", "\u{1B}[0m") : ("⟪", "⟫")
            }
        }
        var out = "", start = 0
        for t in 1...ids.count where t == ids.count || marks[t] != marks[start] {
            let (open, close) = delimiters(marks[start])
            out += open + tokenizer.decode(Array(ids[start..<t])) + close
            start = t
        }
        let dropped = marks.filter { $0 != .kept }.count, byClass = marks.filter { $0 == .droppedByClass }.count
        let classNote = folder.parameters.classes == nil ? "" : " (\(byClass) only through token classes, shown \(colour ? "in yellow" : "between ⟪ ⟫"))"
        print("\(split.rawValue) window \(k): \(dropped) of \(ids.count - 1) targets dropped by \(rule)\(classNote), shown \(colour ? "highlighted" : "between ⟦ ⟧")")
        print(out)
    }
}

extension String {
    func leftPad(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
