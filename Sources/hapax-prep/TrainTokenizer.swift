import ArgumentParser
import Foundation
import Tokenization
import Preprocessing
import WorkerPool

struct TrainTokenizer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-tokenizer",
        abstract: "Train a byte-level BPE on a corpus and write it as a Hugging Face tokenizer.json.",
        discussion: """
            The corpus is read as `hapax-prep shard` reads it: files, folders and glob patterns; plain \
            text (one document per file) or JSON Lines (--text-field), optionally .gz or .zst. The \
            result uses the GPT-2 pre-tokenizer pattern and ends its vocabulary with <|endoftext|>; \
            Hugging Face `tokenizers` loads it and encodes exactly as hapax does.

            Example:
              hapax-prep train-tokenizer data/shakespeare --vocab-size 8192 -o data/shakespeare-8k.json
            """)

    @Option(help: "Vocabulary size, counting the 256 byte tokens and <|endoftext|>.")
    var vocabSize: Int

    @Option(name: .shortAndLong, help: "Where to write the tokenizer.json.")
    var output: String

    @Option(help: "Threads for counting pieces.")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "JSON Lines field that holds the text.")
    var textField = "text"

    @Argument(help: "Corpus files, folders or glob patterns.")
    var corpus: [String]

    func validate() throws {
        guard vocabSize >= 258 else { throw ValidationError("--vocab-size must be at least 258 (256 bytes, one merge, end-of-text)") }
        guard (1...maximumThreads).contains(threads) else { throw ValidationError("--threads must be between 1 and \(maximumThreads)") }
        guard !corpus.isEmpty else { throw ValidationError("name at least one corpus file") }
    }

    func run() throws {
        let start = DispatchTime.now()
        let trainer = BPETrainer(vocabularySize: vocabSize)
        let files: [String]
        do { files = try expandInputs(corpus) } catch { throw CommandError(error.description) }
        // Documents stream through in batches; each batch's pieces are counted on all threads.
        let reader = CorpusReader(files: files, textField: textField, maximumDocumentBytes: 1 << 30)
        var counts: [[UInt8]: Int] = [:]
        var batch: [String] = [], batchBytes = 0
        func countBatch() {
            let documents = batch
            let parts = parallelMap(threads, threads: threads) { part in
                var counts: [[UInt8]: Int] = [:]
                for index in stride(from: part, to: documents.count, by: threads) {
                    trainer.countPieces(of: documents[index], into: &counts)
                }
                return counts
            }
            for part in parts { counts.merge(part, uniquingKeysWith: +) }
            batch = []
            batchBytes = 0
        }
        do {
            while let document = try reader.next() {
                batch.append(document.text)
                batchBytes += document.text.utf8.count
                if batchBytes >= 64 << 20 { countBatch() }
            }
        } catch { throw CommandError(error.description) }
        countBatch()
        guard !counts.isEmpty else { throw CommandError("the corpus holds no text (\(files.count) file(s) read)") }
        printError("counted \(counts.values.reduce(0, +)) pieces (\(counts.count) distinct) in \(String(format: "%.2f", seconds(since: start))) s")

        let result = trainer.train(pieceCounts: counts)
        let json = HuggingFaceTokenizerWriter.json(for: result)
        do {
            try Data(json.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
        } catch {
            throw CommandError("cannot write \(output): \((error as NSError).localizedFailureReason ?? error.localizedDescription)")
        }
        let size = result.tokens.count + 1
        var summary = "wrote \(output): \(size) tokens, \(result.merges.count) merges in \(String(format: "%.2f", seconds(since: start))) s"
        if size < vocabSize { summary += " (stopped early: no pair occurs twice)" }
        printError(summary)
    }
}
