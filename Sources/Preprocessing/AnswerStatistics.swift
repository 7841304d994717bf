import InductionDetector
import Shards
import Tokenization

/// What each mask rule drops of the answers of few-shot documents written in the prompt format
/// `hapax-train icl` uses: blocks `Q: {input}\nA: {output}\n` that lie whole in a window, the `Q`
/// at a line start after a newline of the window. A block is extractive when its output, as whole
/// words, occurs in its input (the answer can be copied), abstractive otherwise. Its answer tokens are
/// the targets whose decoded bytes overlap `{output}` or the space before it.
public struct AnswerStatistics: Codable, Sendable {
    public struct Family: Codable, Sendable {
        public var answers = 0
        public var tokens = 0
        /// Answer tokens each rule drops, by the names of `ShardStatistics.rules`.
        public var dropped: [String: Int] = Dictionary(uniqueKeysWithValues: ShardStatistics.rules.map { ($0.0, 0) })
    }

    /// `extractive` and `abstractive`, each present once a block of it is found.
    public var families: [String: Family] = [:]

    public init(folder: ShardFolder, split: Split, tokenizer: Tokenizer) throws {
        var spellings: [UInt32: [UInt8]] = [:]
        for entry in folder.shards(split) {
            let reader = try folder.reader(entry)
            for local in 0..<entry.windows {
                let (tokens, matches) = try reader.window(local)
                var text: [UInt8] = [], owner: [Int] = []
                for (t, id) in tokens.enumerated() {
                    let bytes = spellings[id] ?? tokenizer.decodeBytes([id])
                    spellings[id] = bytes
                    text += bytes
                    owner += repeatElement(t, count: bytes.count)
                }
                let m = Array(matches)
                for block in Self.blocks(text) {
                    let family = Self.isExtractive(input: Array(text[block.input]), output: Array(text[block.output])) ? "extractive" : "abstractive"
                    let targets = Set(owner[(block.output.lowerBound - 1)..<block.output.upperBound]).filter { $0 >= 1 }
                    var counts = families[family] ?? Family()
                    counts.answers += 1
                    counts.tokens += targets.count
                    m.withUnsafeBufferPointer { m in
                        for (name, rule) in ShardStatistics.rules { counts.dropped[name]! += targets.filter { rule.drops($0, m) }.count }
                    }
                    families[family] = counts
                }
            }
        }
    }

    /// The byte ranges of each whole block's input and output (without the space after `A:`).
    static func blocks(_ text: [UInt8]) -> [(input: Range<Int>, output: Range<Int>)] {
        let newline = UInt8(ascii: "\n"), question = Array("Q: ".utf8), answer = Array("\nA: ".utf8)
        func find(_ pattern: [UInt8], from start: Int) -> Int? {
            guard start + pattern.count <= text.count else { return nil }
            return (start...(text.count - pattern.count)).first { text[$0..<($0 + pattern.count)].elementsEqual(pattern) }
        }
        var found: [(Range<Int>, Range<Int>)] = [], i = 1
        while let q = find(question, from: i) {
            i = q + 1
            guard text[q - 1] == newline, let a = find(answer, from: q + question.count),
                  !text[(q + question.count)..<a].contains(newline),
                  let end = text[(a + answer.count)...].firstIndex(of: newline) else { continue }
            found.append(((q + question.count)..<a, (a + answer.count)..<end))
            i = end
        }
        return found
    }

    static func isExtractive(input: [UInt8], output: [UInt8]) -> Bool {
        let words = input.split(separator: UInt8(ascii: " ")).map(Array.init)
        let wanted = output.split(separator: UInt8(ascii: " ")).map(Array.init)
        guard !wanted.isEmpty, wanted.count <= words.count else { return false }
        return (0...(words.count - wanted.count)).contains { Array(words[$0..<($0 + wanted.count)]) == wanted }
    }
}
