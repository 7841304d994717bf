import Foundation
import SeededRandom
import Tokenization
import Training

/// Few-shot prompts and their scoring, as the function-vector evaluations do it: `shots`
/// demonstrations `Q: {input}\nA: {output}\n\n`, then `Q: {input}\nA:`; the model continues greedily
/// until a newline (or one token past the length of the expected answer), and a trial is correct when
/// the continuation, trimmed, equals the expected output.
public enum FewShotPrompt {
    public static func text(demonstrations: [FewShotTask.Example], query: String) -> String {
        demonstrations.map { "Q: \($0.input)\nA: \($0.output)\n\n" }.joined() + "Q: \(query)\nA:"
    }

    /// Whether a continuation answers `expected`: its text up to the first newline, trimmed.
    public static func isCorrect(continuation: String, expected: String) -> Bool {
        let line = continuation.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return line.trimmingCharacters(in: .whitespaces) == expected.trimmingCharacters(in: .whitespaces)
    }
}

/// Accuracy over trials, with a 95% Wilson score interval.
public struct TaskAccuracy: Codable, Equatable, Sendable {
    public var task: String
    public var family: FewShotTask.Family
    public var trials: Int
    public var accuracy: Double
    public var low: Double
    public var high: Double
    /// The share of trials whose first generated token that is more than white space is the first
    /// such token of the expected answer.
    public var firstTokenAccuracy: Double

    public init(task: String, family: FewShotTask.Family, correct: Int, firstTokenCorrect: Int, trials: Int) {
        self.task = task
        self.family = family
        self.trials = trials
        let n = Double(max(trials, 1)), p = Double(correct) / n, z = 1.959964
        let center = (p + z * z / (2 * n)) / (1 + z * z / n)
        let half = z / (1 + z * z / n) * (p * (1 - p) / n + z * z / (4 * n * n)).squareRoot()
        accuracy = p
        low = max(0, center - half)
        high = min(1, center + half)
        firstTokenAccuracy = Double(firstTokenCorrect) / n
    }
}

/// What `hapax-train icl` measures on one run; written to the run's icl.json.
public struct FewShotReport: Codable, Equatable, Sendable {
    public var step: Int?
    public var shots: Int
    public var seed: UInt64
    public var tasks: [TaskAccuracy]
    /// The mean accuracy of each family's tasks.
    public var families: [String: Double]

    public init(step: Int?, shots: Int, seed: UInt64, tasks: [TaskAccuracy]) {
        self.step = step
        self.shots = shots
        self.seed = seed
        self.tasks = tasks
        families = Dictionary(grouping: tasks, by: \.family.rawValue).mapValues { $0.reduce(0) { $0 + $1.accuracy } / Double($0.count) }
    }

    /// Each family's trials pooled into one accuracy with its 95% interval, named after the family and
    /// in the order extractive, abstractive, file. With equal trials per task it equals `families`.
    public var familyAccuracies: [TaskAccuracy] {
        FewShotTask.Family.allCases.compactMap { family in
            let members = tasks.filter { $0.family == family }
            guard !members.isEmpty else { return nil }
            let correct = members.reduce(0) { $0 + Int(($1.accuracy * Double($1.trials)).rounded()) }
            let first = members.reduce(0) { $0 + Int(($1.firstTokenAccuracy * Double($1.trials)).rounded()) }
            return TaskAccuracy(task: family.rawValue, family: family, correct: correct, firstTokenCorrect: first,
                                trials: members.reduce(0) { $0 + $1.trials })
        }
    }
}

/// Runs few-shot trials on a model, all trials of a task decoded together in batches.
public struct FewShotEvaluator {
    public let parameters: UnsafePointer<Float>
    public let config: ModelConfig
    public let tokenizer: Tokenizer
    public var shots: Int
    public var trials: Int
    public var seed: UInt64
    public var threads: Int

    public init(parameters: UnsafePointer<Float>, config: ModelConfig, tokenizer: Tokenizer, shots: Int, trials: Int, seed: UInt64, threads: Int) {
        self.parameters = parameters
        self.config = config
        self.tokenizer = tokenizer
        self.shots = shots
        self.trials = trials
        self.seed = seed
        self.threads = threads
    }

    /// The prompts of a task's trials and their expected outputs: each trial draws `shots + 1`
    /// distinct examples, the last one the query. The draws are seeded by the task's name (FNV-1a of
    /// its UTF-8), so a task's trials do not depend on which other tasks run with it.
    public static func trials(of task: FewShotTask, shots: Int, trials: Int, seed: UInt64) -> [(prompt: String, expected: String)] {
        let name = task.name.utf8.reduce(UInt64(0xCBF29CE484222325)) { ($0 ^ UInt64($1)) &* 0x100000001B3 }
        var generator = SplitMix64(seed: SplitMix64.mix(seed ^ name))
        let picks = min(shots + 1, task.examples.count)
        return (0..<trials).map { _ in
            var chosen: [Int] = []
            while chosen.count < picks {
                let k = Int(generator.next() % UInt64(task.examples.count))
                if !chosen.contains(k) { chosen.append(k) }
            }
            let query = task.examples[chosen.last!]
            return (FewShotPrompt.text(demonstrations: chosen.dropLast().map { task.examples[$0] }, query: query.input), query.output)
        }
    }

    public func evaluate(_ task: FewShotTask) -> TaskAccuracy {
        let cases = Self.trials(of: task, shots: shots, trials: trials, seed: seed)
        let answers = cases.map { tokenizer.encode(" " + $0.expected) }
        let fitted = cases.indices.map { Self.fit(prompt: tokenizer.encode(cases[$0].prompt), answer: answers[$0].count, context: config.context) }
        let prompts = fitted.map(\.prompt), budgets = fitted.map(\.budget)
        let context = min(config.context, zip(prompts, budgets).map { $0.count + $1 }.max() ?? 1)
        let probe = ModelProbe(parameters: parameters, config: config, context: context, threads: threads)
        var generated = [[UInt32]](repeating: [], count: cases.count)
        var active = Array(cases.indices)
        while !active.isEmpty {
            let sequences = active.map { Array((prompts[$0] + generated[$0]).suffix(context)) }
            let next = probe.map(sequences) { model, b, sequence in
                model.predictions(rows: [b * context + sequence.count - 1],
                                  targets: [UInt32](repeating: 0, count: model.batch * context)).best[0]
            }
            for (i, token) in zip(active, next) { generated[i].append(token) }
            active = active.filter { i in
                generated[i].count < budgets[i] && prompts[i].count + generated[i].count < context
                    && !tokenizer.decode(generated[i]).contains("\n")
            }
        }
        let correct = cases.indices.filter { FewShotPrompt.isCorrect(continuation: tokenizer.decode(generated[$0]), expected: cases[$0].expected) }
        let decode = { (tokens: [UInt32]) in tokenizer.decode(tokens) }
        let firstToken = cases.indices.filter { i in
            Self.firstContentToken(generated[i], decode: decode).map { $0 == Self.firstContentToken(answers[i], decode: decode) } ?? false
        }
        return TaskAccuracy(task: task.name, family: task.family, correct: correct.count, firstTokenCorrect: firstToken.count, trials: cases.count)
    }

    /// The prompt's tokens that fit the context together with the answer's budget (its tokens and one
    /// more, to see where it ends): a longer prompt loses its start, never the room for the answer.
    static func fit(prompt: [UInt32], answer: Int, context: Int) -> (prompt: [UInt32], budget: Int) {
        let budget = min(answer + 1, context - 1)
        return (Array(prompt.suffix(context - budget)), budget)
    }

    /// The first token whose text is more than white space: a small vocabulary spells " 5" as " " and
    /// "5", and the lone space says nothing of whether the answer is right.
    static func firstContentToken(_ tokens: [UInt32], decode: ([UInt32]) -> String) -> UInt32? {
        tokens.first { !decode([$0]).allSatisfy(\.isWhitespace) }
    }
}
