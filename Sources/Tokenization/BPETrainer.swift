/// Trains a byte-level BPE the way Hugging Face's BpeTrainer does: count the pre-tokenized pieces of a
/// corpus, then repeatedly merge the most frequent adjacent pair of symbols until the vocabulary is full
/// or no pair occurs twice.
///
/// Pair counts live in a hash map with a max-heap over them. The heap is lazy: counts only fall when a
/// merge consumes a pair, and a popped entry whose count is stale is pushed back with the current one.
/// A merge touches only the distinct pieces that contain the pair.
public struct BPETrainer: Sendable {
    public let vocabularySize: Int
    /// The tokenizer whose normalizer, pre-tokenizer and added tokens cut the corpus into pieces, or
    /// nil for the GPT-2 pattern alone.
    public let template: Tokenizer?
    public static let endOfText = "<|endoftext|>"

    /// `vocabularySize` counts the 256 byte tokens and the ids after the merges: the end-of-text
    /// token, or the template's added tokens.
    public init(vocabularySize: Int, template: Tokenizer? = nil) {
        self.vocabularySize = vocabularySize
        self.template = template
    }

    /// The ids after the merged tokens.
    public var reservedIds: Int { template?.addedTokens.count ?? 1 }

    public struct Result: Sendable {
        /// Token bytes by id: the 256 single bytes in byte order, then merged tokens in order of creation.
        public var tokens: [[UInt8]]
        /// Merge rules in priority order, as pairs of token ids.
        public var merges: [(left: UInt32, right: UInt32)]
        /// The id of `<|endoftext|>`, right after the last token.
        public var endOfText: UInt32 { UInt32(tokens.count) }
    }

    /// Adds the pieces of `text` to `counts`. Call it per document, on as many threads as wanted, and
    /// combine the counts with `merge`.
    public func countPieces(of text: String, into counts: inout [[UInt8]: Int]) {
        if let template {
            // Added tokens are not text to learn merges from, as in Hugging Face's trainer.
            template.forEachPiece(of: text) { piece in
                if case .text(let bytes) = piece { counts[Array(bytes), default: 0] += 1 }
            }
            return
        }
        var text = text
        text.withUTF8 { bytes in
            PreTokenizer.gpt2.forEachPiece(inValidUTF8: bytes) { range in
                counts[Array(bytes[range]), default: 0] += 1
            }
        }
    }

    public func train(pieceCounts: [[UInt8]: Int]) -> Result {
        var tokens = (0...255).map { [UInt8($0)] }
        var idOfToken: [[UInt8]: UInt32] = Dictionary(uniqueKeysWithValues: tokens.enumerated().map { ($1, UInt32($0)) })
        var merges: [(left: UInt32, right: UInt32)] = []

        // Sorted so that training does not depend on dictionary order.
        let pieces = pieceCounts.sorted { $0.key.lexicographicallyPrecedes($1.key) }
        var words = pieces.map { $0.key.map { UInt32($0) } }
        let frequencies = pieces.map { $0.value }
        var pairCounts: [UInt64: Int] = [:]
        var wordsWithPair: [UInt64: [Int32]] = [:]
        for (w, word) in words.enumerated() where word.count > 1 {
            for k in 0..<(word.count - 1) {
                let pair = Self.pair(word[k], word[k + 1])
                pairCounts[pair, default: 0] += frequencies[w]
                wordsWithPair[pair, default: []].append(Int32(w))
            }
        }
        // The most frequent pair first; ties go to the smaller pair of ids, so training is deterministic.
        var heap = BinaryHeap(pairCounts.map { (count: $0.value, pair: $0.key) }) { a, b in
            a.count != b.count ? a.count > b.count : a.pair < b.pair
        }

        while tokens.count + reservedIds < vocabularySize, let top = heap.pop() {
            let current = pairCounts[top.pair] ?? 0
            if current != top.count {
                if current > 0 { heap.push((current, top.pair)) }
                continue
            }
            if current < 2 { break }
            let (left, right) = (UInt32(top.pair >> 32), UInt32(truncatingIfNeeded: top.pair))
            let merged = tokens[Int(left)] + tokens[Int(right)]
            let newId: UInt32
            if let existing = idOfToken[merged] {
                newId = existing
            } else {
                newId = UInt32(tokens.count)
                tokens.append(merged)
                idOfToken[merged] = newId
            }
            merges.append((left, right))

            var grown = Set<UInt64>()
            var seen = Set<Int32>()
            for w in wordsWithPair.removeValue(forKey: top.pair) ?? [] where seen.insert(w).inserted {
                let frequency = frequencies[Int(w)]
                let word = words[Int(w)]
                var rewritten: [UInt32] = []
                rewritten.reserveCapacity(word.count)
                var k = 0
                while k < word.count {
                    if k + 1 < word.count && word[k] == left && word[k + 1] == right {
                        rewritten.append(newId)
                        k += 2
                    } else {
                        rewritten.append(word[k])
                        k += 1
                    }
                }
                if rewritten.count == word.count { continue }
                for k in 0..<(word.count - 1) {
                    let pair = Self.pair(word[k], word[k + 1])
                    pairCounts[pair]! -= frequency
                }
                for k in 0..<max(rewritten.count - 1, 0) {
                    let pair = Self.pair(rewritten[k], rewritten[k + 1])
                    pairCounts[pair, default: 0] += frequency
                    if rewritten[k] == newId || rewritten[k + 1] == newId {
                        grown.insert(pair)
                        wordsWithPair[pair, default: []].append(w)
                    }
                }
                words[Int(w)] = rewritten
            }
            pairCounts[top.pair] = nil
            for pair in grown.sorted() { heap.push((pairCounts[pair] ?? 0, pair)) }
        }
        return Result(tokens: tokens, merges: merges)
    }

    private static func pair(_ left: UInt32, _ right: UInt32) -> UInt64 { UInt64(left) << 32 | UInt64(right) }
}
