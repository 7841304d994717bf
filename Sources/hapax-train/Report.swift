import Analysis
import ArgumentParser
import Foundation
import Shards

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "One self-contained HTML page comparing runs: losses, induction heads, copying, few-shot tasks.",
        discussion: """
            Reads each run folder's config.json and metrics.jsonl, and the analysis.json and icl.json \
            that `analyze` and `icl` write there, and the runs' shard folders for the share the Hapax \
            mask drops by position. A JSON file instead of a folder is a model measured by \
            `hapax-shards analyze --json` (one trained in GPT-NeoX, OLMo or PyTorch), shown beside \
            the runs with its final measures. The page has inline SVG charts and no script, and \
            fetches nothing.

            Examples:
              hapax-train report runs/vanilla runs/hapax -o report.html
              hapax-train report runs/vanilla runs/hapax pythia-160m.json -o report.html
            """)

    @Argument(help: "Run folders (or hapax-shards analyze JSON files), in the order to show them.") var runs: [String]
    @Option(name: .shortAndLong, help: "The HTML file to write.") var output: String
    @Option(help: "The page's title.") var title = "hapax: vanilla and Hapax runs compared"

    func validate() throws {
        guard !runs.isEmpty else { throw ValidationError("give at least one run folder") }
    }

    func run() throws {
        var records: [RunRecord] = []
        for path in runs {
            do { records.append(try RunRecord(path: path)) } catch { throw CommandError("\(error)") }
        }
        // Two runs named alike (a/run, b/run) are told apart by their parent folder.
        for i in records.indices where records.filter({ $0.name == records[i].name }).count > 1 {
            let url = URL(fileURLWithPath: records[i].path).standardized
            records[i].name = url.deletingLastPathComponent().lastPathComponent + "/" + url.lastPathComponent
        }
        var datasets: [DatasetProfile] = [], seen: Set<String> = []
        for path in records.compactMap(\.config?.training.data) where seen.insert(path).inserted {
            do { datasets.append(try DatasetProfile(path: path)) } catch { printError("note: \(error); the share it drops is left out") }
        }
        let page = HTMLReport(runs: records, datasets: datasets, title: title).render()
        do { try AtomicFile.write(Array(page.utf8), to: output) } catch { throw CommandError(error.description) }
        print("report: \(output)")
        printSummary(records, datasets: datasets)
    }

    /// The final figures in a few lines, for the end of a pipeline.
    private func printSummary(_ runs: [RunRecord], datasets: [DatasetProfile]) {
        for dataset in datasets { print(String(format: "%@: hapax n = 2 drops %.1f%% of the targets", dataset.path, 100 * dataset.droppedShare)) }
        func number(_ value: Double?) -> String { value.map { String(format: "%.3f", $0) } ?? "–" }
        func family(_ report: FewShotReport?, _ family: FewShotTask.Family) -> String {
            guard let pooled = report?.familyAccuracies.first(where: { $0.family == family }) else { return "–" }
            return "\(number(pooled.accuracy)) (\(number(pooled.low))–\(number(pooled.high)))"
        }
        let header = ["run", "val loss all/kept/dropped", "best head", "induction heads", "top-10 PM", "repetition acc.", "few-shot extractive", "few-shot abstractive"]
        let rows = runs.map { run -> [String] in
            let a = run.analysis, f = run.fewShot
            return [run.name, "\(number(a?.lossAll)) / \(number(a?.lossKept)) / \(number(a?.lossDropped))",
                    a.map { "\(number($0.uniform.bestHead)) / \(number($0.frequent?.bestHead))" } ?? "–",
                    a.map { "\($0.uniform.inductionHeads) / \($0.frequent.map { "\($0.inductionHeads)" } ?? "–")" } ?? "–",
                    a.map { "\(number($0.uniform.top10Mean)) / \(number($0.frequent?.top10Mean))" } ?? "–",
                    a.map { "\(number($0.uniform.repetitionAccuracy)) / \(number($0.frequent?.repetitionAccuracy))" } ?? "–",
                    family(f, .extractive), family(f, .abstractive)]
        }
        let widths = header.indices.map { c in ([header] + rows).map { $0[c].count }.max()! + 2 }
        for row in [header] + rows { print(row.indices.map { row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined()) }
        print("(few-shot: accuracy of the family's trials pooled, with its 95% interval; best head's prefix-matching score, induction heads, top-10 PM and repetition: random tokens uniform over the vocabulary / frequent in the training data)")
    }
}
