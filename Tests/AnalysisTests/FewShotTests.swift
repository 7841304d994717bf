import Foundation
import Testing
@testable import Analysis

/// The few-shot prompt builder, scorer, interval and task generators on fixed examples.
@Suite struct FewShotTests {
    @Test func promptFollowsTheFunctionVectorFormat() {
        let text = FewShotPrompt.text(demonstrations: [.init("cat, dog, owl", "owl"), .init("sun, sea, sky", "sky")], query: "red, tan, blue")
        #expect(text == "Q: cat, dog, owl\nA: owl\n\nQ: sun, sea, sky\nA: sky\n\nQ: red, tan, blue\nA:")
        #expect(FewShotPrompt.text(demonstrations: [], query: "x") == "Q: x\nA:")
    }

    @Test func scoringTrimsAndStopsAtTheFirstNewline() {
        #expect(FewShotPrompt.isCorrect(continuation: " owl\n\nQ:", expected: "owl"))
        #expect(FewShotPrompt.isCorrect(continuation: " owl", expected: "owl"))
        #expect(!FewShotPrompt.isCorrect(continuation: " owls\n", expected: "owl"))
        #expect(!FewShotPrompt.isCorrect(continuation: "\nowl", expected: "owl"))
        #expect(!FewShotPrompt.isCorrect(continuation: " Owl\n", expected: "owl"))
    }

    @Test func wilsonIntervalMatchesKnownValues() {
        // 8 of 10: Wilson 95% interval 0.490 … 0.943.
        let a = TaskAccuracy(task: "t", family: .extractive, correct: 8, firstTokenCorrect: 9, trials: 10)
        #expect(a.accuracy == 0.8 && abs(a.low - 0.4902) < 1e-3 && abs(a.high - 0.9433) < 1e-3 && a.firstTokenAccuracy == 0.9)
        let none = TaskAccuracy(task: "t", family: .abstractive, correct: 0, firstTokenCorrect: 0, trials: 50)
        #expect(none.low == 0 && abs(none.high - 0.0714) < 1e-3)
    }

    @Test func familiesPoolTheirTasksTrialsWithOneInterval() {
        let report = FewShotReport(step: 1, shots: 5, seed: 1, tasks: [
            TaskAccuracy(task: "a", family: .extractive, correct: 3, firstTokenCorrect: 4, trials: 5),
            TaskAccuracy(task: "b", family: .extractive, correct: 5, firstTokenCorrect: 5, trials: 5),
            TaskAccuracy(task: "c", family: .abstractive, correct: 0, firstTokenCorrect: 0, trials: 50),
        ])
        let pooled = report.familyAccuracies
        #expect(pooled.map(\.task) == ["extractive", "abstractive"])
        // 8 of 10, as in the Wilson test above.
        #expect(pooled[0].trials == 10 && pooled[0].accuracy == 0.8 && abs(pooled[0].low - 0.4902) < 1e-3 && pooled[0].firstTokenAccuracy == 0.9)
        #expect(pooled[1].accuracy == 0 && abs(pooled[1].high - 0.0714) < 1e-3)
    }

    @Test func builtInTasksGiveTheRightAnswers() {
        let words = ["pear", "apple", "fig", "kiwi", "lime", "plum"]
        let tasks = Dictionary(uniqueKeysWithValues: FewShotTask.builtIn(words: words).map { ($0.name, $0) })
        #expect(tasks.values.filter { $0.family == .extractive }.count == 8)
        #expect(tasks.values.filter { $0.family == .abstractive }.count == 13)
        for example in tasks["alphabetically_first_of_3"]!.examples {
            let items = example.input.components(separatedBy: ", ")
            #expect(items.count == 3 && Set(items).count == 3 && example.output == items.min())
        }
        for example in tasks["middle_of_5"]!.examples { #expect(example.input.components(separatedBy: ", ")[2] == example.output) }
        #expect(tasks["capitalize"]!.examples.first == .init("pear", "Pear"))
        #expect(tasks["capitalize_first_letter"]!.examples.first == .init("pear", "P"))
        #expect(tasks["lowercase_first_letter"]!.examples.first == .init("Pear", "p"))
        #expect(tasks["last_letter"]!.examples.first == .init("pear", "r"))
        #expect(tasks["word_length"]!.examples[1] == .init("apple", "5"))
        #expect(tasks["next_day"]!.examples.contains(.init("Sunday", "Monday")))
        #expect(tasks["previous_month"]!.examples.contains(.init("January", "December")))
        #expect(!tasks["next_letter"]!.examples.contains { $0.input == "z" })
        #expect(tasks["previous_number"]!.examples.first == .init("2", "1"))
    }

    @Test func aTasksTrialsDependOnItsNameNotItsCompany() {
        let examples = (0..<30).map { FewShotTask.Example("in\($0)", "out\($0)") }
        let trials = { (name: String) in
            FewShotEvaluator.trials(of: FewShotTask(name: name, family: .file, examples: examples), shots: 2, trials: 10, seed: 1).map(\.prompt)
        }
        #expect(trials("previous_month") == trials("previous_month"))
        #expect(trials("previous_month") != trials("next_day"))
    }

    @Test func firstTokenAccuracyLooksPastALoneSpace() {
        let pieces: [UInt32: String] = [1: " ", 2: "5", 3: "6", 4: " 5", 5: "\n"]
        let decode = { (tokens: [UInt32]) in tokens.map { pieces[$0]! }.joined() }
        #expect(FewShotEvaluator.firstContentToken([1, 2], decode: decode) == 2)
        #expect(FewShotEvaluator.firstContentToken([1, 3], decode: decode) != FewShotEvaluator.firstContentToken([1, 2], decode: decode))
        #expect(FewShotEvaluator.firstContentToken([4], decode: decode) == 4)
        #expect(FewShotEvaluator.firstContentToken([1, 5, 1], decode: decode) == nil)
    }

    @Test func aLongPromptKeepsRoomForTheWholeAnswer() {
        let prompt = [UInt32](1...20)
        let fitted = FewShotEvaluator.fit(prompt: prompt, answer: 3, context: 8)
        #expect(fitted.budget == 4 && fitted.prompt == [17, 18, 19, 20])
        #expect(FewShotEvaluator.fit(prompt: [1, 2], answer: 3, context: 8).prompt == [1, 2])
        // An answer longer than the context still leaves the prompt its last token.
        let long = FewShotEvaluator.fit(prompt: prompt, answer: 50, context: 8)
        #expect(long.budget == 7 && long.prompt == [20])
    }

    @Test func trialsDrawDistinctExamplesReproducibly() {
        let task = FewShotTask(name: "t", family: .file, examples: (0..<10).map { .init("in\($0)", "out\($0)") })
        let prompts = (0..<20).map { _ in
            FewShotEvaluator.trials(of: task, shots: 3, trials: 20, seed: 4)
        }
        #expect(Set(prompts.map { $0.map(\.prompt).joined() }).count == 1)
        for (prompt, expected) in prompts[0] {
            let inputs = prompt.components(separatedBy: "Q: ").dropFirst().map { $0.prefix { $0 != "\n" } }
            #expect(inputs.count == 4 && Set(inputs).count == 4)
            #expect(inputs.last! == "in" + expected.dropFirst(3))
        }
    }

    @Test func aTaskFolderGivesEachTaskTheFamilyItsFolderNames() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("hapax-tasks-\(UInt64.random(in: 0...UInt64.max))")
        defer { try? FileManager.default.removeItem(at: root) }
        let pairs = #"[{"input": "a", "output": "A"}, {"input": "b", "output": "B"}]"#
        for (folder, name) in [("abstractive", "capitalize"), ("extractive", "first_of_3"), ("", "loose"), ("generate", "notes")] {
            let url = root.appendingPathComponent(folder)
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            try pairs.write(to: url.appendingPathComponent(name + ".json"), atomically: true, encoding: .utf8)
        }
        let tasks = try FewShotTask.load(path: root.path)
        #expect(tasks.map(\.name) == ["loose", "capitalize", "first_of_3"])
        #expect(tasks.map(\.family) == [.file, .abstractive, .extractive])
        let lone = try FewShotTask.load(path: root.appendingPathComponent("abstractive/capitalize.json").path)
        #expect(lone.map(\.family) == [.file] && lone[0].examples == [.init("a", "A"), .init("b", "B")])
        #expect(throws: AnalysisError.self) { try FewShotTask.load(path: root.appendingPathComponent("generate/missing").path) }
        let empty = root.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        #expect(throws: AnalysisError.self) { try FewShotTask.load(path: empty.path) }
    }
}
