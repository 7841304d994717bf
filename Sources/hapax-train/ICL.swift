import Analysis
import ArgumentParser
import Foundation
import WorkerPool
import Shards
import Training

struct ICL: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "icl",
        abstract: "Few-shot accuracy of a run on extractive and abstractive tasks.",
        discussion: """
            A prompt is --shots demonstrations "Q: {input}\\nA: {output}\\n\\n" and then "Q: {input}\\nA:"; \
            the model continues greedily until a newline, and a trial is correct when the continuation, \
            trimmed, equals the output. Also reported: how often the first generated token is the \
            answer's first token, a 95% Wilson interval per task, and the mean per family.

            Built-in tasks are made from a word list (by default the 300 most frequent lower-case words \
            of the run's training shards; --words FILE for another, one word a line). Extractive tasks \
            have the answer in the prompt (first, middle or last of 3 or 5 words; alphabetically first \
            or last of 3); abstractive ones do not (capitalize, first letter, last letter, word length, \
            next and previous day, month, letter and number). A task file is a JSON list of \
            {"input": …, "output": …} objects, named after the file. A folder in the layout of the \
            function-vectors task sets the paper uses (github.com/ericwtodd/function_vectors, \
            dataset_files/) gives the tasks of its abstractive/ and extractive/ folders under those \
            families; a lone file's family is "file".

            The result is also written to RUN/icl.json, which `report` reads.

            Examples:
              hapax-train icl --list
              hapax-train icl --run runs/hapax
              hapax-train icl --run runs/hapax --tasks last_of_3 next_day my_task.json --shots 10 --json
              hapax-train icl --run runs/hapax --tasks function_vectors/dataset_files
            """)

    @Option(name: .customLong("run"), help: "Run folder.") var runFolder: String?
    @Option(parsing: .upToNextOption, help: "Built-in task names, task files, or folders of them (default: every built-in task).") var tasks: [String] = []
    @Option(help: "Demonstrations before the query.") var shots = 5
    @Option(help: "Trials per task.") var trials = 50
    @Option(help: "Seed of the trials.") var seed: UInt64 = 1
    @Option(help: "Word list for the built-in tasks, one word a line (default: words of the run's training shards).") var words: String?
    @Option(help: "Shard folder the default words come from (default: the run's).") var data: String?
    @Option(help: "Threads.") var threads = ProcessInfo.processInfo.activeProcessorCount
    @Flag(help: "List the built-in tasks with their family and stop.") var list = false
    @Flag(help: "Print one JSON object.") var json = false
    @OptionGroup var tokenizerOption: TokenizerOption

    func validate() throws {
        guard shots >= 0, trials >= 1 else { throw ValidationError("--shots must be at least 0 and --trials at least 1") }
        guard (1...maximumThreads).contains(threads) else { throw ValidationError("--threads must be between 1 and \(maximumThreads)") }
        guard list || runFolder != nil else { throw ValidationError("give --run, or --list to see the tasks") }
    }

    func run() throws {
        if list {
            for task in FewShotTask.builtIn(words: ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"]) {
                print(task.name.padding(toLength: 28, withPad: " ", startingAt: 0) + task.family.rawValue)
            }
            return
        }
        let run = try LoadedRun(runFolder!, batch: 16, threads: threads)
        let tokenizer = try run.tokenizer()
        // Only the built-in tasks need the word list: task files alone run on any corpus, also one
        // without enough lower-case words.
        let isFile = { (name: String) in name.hasSuffix(".json") || FileManager.default.fileExists(atPath: name) }
        var builtIn: [FewShotTask] = []
        if tasks.isEmpty || !tasks.allSatisfy(isFile) {
            var wordList: [String]
            if let words {
                guard let text = try? String(contentsOfFile: words, encoding: .utf8) else { throw CommandError("\(words): cannot read") }
                wordList = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            } else {
                let shards = try run.shards(data, allowOtherTokenizer: tokenizerOption.allowOtherTokenizer)
                do { wordList = try CorpusWords.frequent(in: shards, tokenizer: tokenizer) } catch { throw CommandError("\(error)") }
            }
            guard wordList.count >= 6 else { throw CommandError("\(words ?? "the training shards") gave \(wordList.count) words; the built-in tasks need at least 6") }
            builtIn = FewShotTask.builtIn(words: wordList, seed: seed)
        }
        var selected: [FewShotTask] = []
        for name in tasks {
            if let task = builtIn.first(where: { $0.name == name }) {
                selected.append(task)
            } else if isFile(name) {
                do { selected += try FewShotTask.load(path: name) } catch { throw CommandError("\(error)") }
            } else {
                throw CommandError("unknown task \(name): give a task file (.json), a folder of them, or one of \(builtIn.map(\.name).joined(separator: ", "))")
            }
        }
        if selected.isEmpty { selected = builtIn }

        let evaluator = FewShotEvaluator(parameters: run.model.parameters.pointer, config: run.config.model, tokenizer: tokenizer,
                                         shots: shots, trials: trials, seed: seed, threads: threads)
        var results: [TaskAccuracy] = []
        for (index, task) in selected.enumerated() {
            results.append(evaluator.evaluate(task))
            if !json { printError("\(task.name): \(String(format: "%.2f", results.last!.accuracy)) (\(index + 1)/\(selected.count))") }
        }
        let report = FewShotReport(step: run.step, shots: shots, seed: seed, tasks: results)
        do { try AtomicFile.write(ManifestJSON.encode(report), to: run.folder.file("icl.json")) } catch { throw CommandError(error.description) }
        if json { return FileHandle.standardOutput.write(Data(ManifestJSON.encode(report))) }
        print("few-shot accuracy of \(runFolder!)\(report.step.map { " at step \($0)" } ?? ""), \(shots) shots, \(trials) trials per task")
        print("task".padding(toLength: 28, withPad: " ", startingAt: 0) + "family".padding(toLength: 13, withPad: " ", startingAt: 0)
              + "accuracy    95% interval    first token")
        for r in results {
            print(r.task.padding(toLength: 28, withPad: " ", startingAt: 0) + r.family.rawValue.padding(toLength: 13, withPad: " ", startingAt: 0)
                  + String(format: "%8.3f    %.3f – %.3f   %8.3f", r.accuracy, r.low, r.high, r.firstTokenAccuracy))
        }
        for (family, mean) in report.families.sorted(by: { $0.key < $1.key }) { print(String(format: "mean %@: %.3f", family, mean)) }
    }
}
