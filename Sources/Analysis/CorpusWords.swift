import Shards
import Tokenization

/// The word list built-in few-shot tasks are made from: by default the most frequent lower-case
/// words of the training corpus (3 to 8 letters a–z), so every corpus has tasks the model can read.
public enum CorpusWords {
    /// The `count` most frequent words in the first `windows` train windows, most frequent first
    /// (ties in alphabetical order).
    public static func frequent(in folder: ShardFolder, tokenizer: Tokenizer, count: Int = 300, windows: Int = 2000) throws -> [String] {
        var counts: [String: Int] = [:]
        for k in 0..<min(windows, folder.windowCount(.train)) {
            let text = tokenizer.decode(Array(try folder.window(.train, k).tokens.dropFirst()))
            for word in text.split(whereSeparator: { !$0.isLetter }) where (3...8).contains(word.count)
                && word.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) }) {
                counts[String(word), default: 0] += 1
            }
        }
        return counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(count).map(\.key)
    }
}
