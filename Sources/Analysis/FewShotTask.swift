import Foundation
import SeededRandom

/// A few-shot task in the format of the function-vector task sets the paper evaluates on: pairs of
/// an input and the output the model should give for it.
public struct FewShotTask: Sendable {
    public struct Example: Codable, Equatable, Sendable {
        public var input: String
        public var output: String

        public init(_ input: String, _ output: String) {
            self.input = input
            self.output = output
        }
    }

    /// Extractive tasks have their answer in the prompt (copying helps); abstractive ones do not.
    public enum Family: String, Codable, Sendable, CaseIterable {
        case extractive, abstractive, file
    }

    public var name: String
    public var family: Family
    public var examples: [Example]

    public init(name: String, family: Family, examples: [Example]) {
        self.name = name
        self.family = family
        self.examples = examples
    }

    /// The tasks of a file, or of a folder in the layout of the function-vectors task sets (the
    /// paper's): the `*.json` files in it and in its `abstractive/` and `extractive/` subfolders, each
    /// of the family its folder names (`file` for a folder of another name, and for a lone file).
    public static func load(path: String) throws -> [FewShotTask] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue else {
            return [try load(file: path, family: .file)]
        }
        let folder = URL(fileURLWithPath: path)
        var tasks: [FewShotTask] = []
        for sub in [folder, folder.appendingPathComponent(Family.abstractive.rawValue), folder.appendingPathComponent(Family.extractive.rawValue)] {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: sub.path) else { continue }
            let family = Family(rawValue: sub.lastPathComponent).flatMap { $0 == .file ? nil : $0 } ?? .file
            for name in names.sorted() where name.hasSuffix(".json") {
                tasks.append(try load(file: sub.appendingPathComponent(name).path, family: family))
            }
        }
        guard !tasks.isEmpty else { throw AnalysisError("\(path): no task files (*.json) in it or in its abstractive/ and extractive/ folders") }
        return tasks
    }

    /// A task file: a JSON list of `{"input": …, "output": …}`, named after the file.
    static func load(file path: String, family: Family) throws -> FewShotTask {
        guard let data = FileManager.default.contents(atPath: path) else { throw AnalysisError("\(path): cannot read") }
        let examples: [Example]
        do { examples = try JSONDecoder().decode([Example].self, from: data) } catch {
            throw AnalysisError("\(path): not a JSON list of {\"input\": …, \"output\": …} objects (\(error))")
        }
        guard examples.count >= 2 else { throw AnalysisError("\(path): a task needs at least 2 examples") }
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        return FewShotTask(name: name, family: family, examples: examples)
    }

    /// The built-in tasks, made from `words` (lower-case words, at least 5) so that any corpus has them.
    public static func builtIn(words: [String], seed: UInt64 = 1) -> [FewShotTask] {
        var generator = SplitMix64(seed: seed)
        func lists(_ length: Int) -> [[String]] {
            (0..<200).map { _ in
                var chosen: [String] = []
                while chosen.count < length {
                    let word = words[Int(generator.next() % UInt64(words.count))]
                    if !chosen.contains(word) { chosen.append(word) }
                }
                return chosen
            }
        }
        func extractive(_ name: String, _ items: [[String]], _ pick: ([String]) -> String) -> FewShotTask {
            FewShotTask(name: name, family: .extractive, examples: items.map { Example($0.joined(separator: ", "), pick($0)) })
        }
        func abstractive(_ name: String, _ pairs: [(String, String)]) -> FewShotTask {
            FewShotTask(name: name, family: .abstractive, examples: pairs.map { Example($0.0, $0.1) })
        }
        func successors(_ items: [String], cyclic: Bool) -> [(String, String)] {
            (0..<(cyclic ? items.count : items.count - 1)).map { (items[$0], items[($0 + 1) % items.count]) }
        }
        let three = lists(3), five = lists(5)
        let days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
        let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                      "November", "December"]
        let letters = (UInt8(ascii: "a")...UInt8(ascii: "z")).map { String(UnicodeScalar($0)) }
        let numbers = (1...100).map(String.init)
        return [
            extractive("first_of_3", three) { $0[0] },
            extractive("middle_of_3", three) { $0[1] },
            extractive("last_of_3", three) { $0[2] },
            extractive("first_of_5", five) { $0[0] },
            extractive("middle_of_5", five) { $0[2] },
            extractive("last_of_5", five) { $0[4] },
            extractive("alphabetically_first_of_3", three) { $0.min()! },
            extractive("alphabetically_last_of_3", three) { $0.max()! },
            abstractive("capitalize", words.map { ($0, $0.prefix(1).uppercased() + $0.dropFirst()) }),
            abstractive("capitalize_first_letter", words.map { ($0, $0.prefix(1).uppercased()) }),
            abstractive("last_letter", words.map { ($0, String($0.suffix(1))) }),
            abstractive("lowercase_first_letter", words.map { ($0.prefix(1).uppercased() + $0.dropFirst(), $0.prefix(1).lowercased()) }),
            abstractive("word_length", words.map { ($0, String($0.count)) }),
            abstractive("next_day", successors(days, cyclic: true)),
            abstractive("previous_day", successors(days, cyclic: true).map { ($0.1, $0.0) }),
            abstractive("next_month", successors(months, cyclic: true)),
            abstractive("previous_month", successors(months, cyclic: true).map { ($0.1, $0.0) }),
            abstractive("next_letter", successors(letters, cyclic: false)),
            abstractive("previous_letter", successors(letters, cyclic: false).map { ($0.1, $0.0) }),
            abstractive("next_number", successors(numbers, cyclic: false)),
            abstractive("previous_number", successors(numbers, cyclic: false).map { ($0.1, $0.0) }),
        ]
    }
}

public struct AnalysisError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
