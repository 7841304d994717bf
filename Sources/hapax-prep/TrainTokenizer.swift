import ArgumentParser
import Foundation
import Tokenization
import CorpusFormats
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

            With --like, the result instead keeps that tokenizer.json's normalizer, pre-tokenizer, \
            decoder and added tokens (numbered after the trained tokens): the corpus is cut into \
            pieces as that file cuts text, so a smaller tokenizer of the same family comes out. A \
            post-processor that names token ids is dropped, since the ids change.

            Examples:
              hapax-prep train-tokenizer data/shakespeare --vocab-size 8192 -o data/shakespeare-8k.json
              hapax-prep train-tokenizer data/shakespeare --vocab-size 8192 --like pythia/tokenizer.json -o neox-8k.json
            """)

    @Option(help: "Vocabulary size, counting the 256 byte tokens and <|endoftext|>.")
    var vocabSize: Int

    @Option(name: .shortAndLong, help: "Where to write the tokenizer.json.")
    var output: String

    @Option(help: "A tokenizer.json whose normalizer, pre-tokenizer, decoder and added tokens the result keeps.")
    var like: String?

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
        let template: TokenizerTemplate?
        do { template = try like.map { path throws(TokenizerError) in try TokenizerTemplate(path: path) } } catch {
            throw CommandError(error.description)
        }
        let trainer = BPETrainer(vocabularySize: vocabSize, template: template?.tokenizer)
        guard vocabSize > 256 + trainer.reservedIds else {
            throw CommandError("--vocab-size \(vocabSize) leaves no room for merges: 256 byte tokens and \(trainer.reservedIds) added token(s) of \(like ?? "")")
        }
        let files: [String]
        do { files = try expandInputs(corpus) } catch { throw CommandError(error.description) }
        if let tokens = files.first(where: { InputFormat(path: $0).isPretokenized }) {
            throw CommandError("\(tokens): already tokenized; train-tokenizer reads text")
        }
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
                guard let text = document.text else { continue }
                batch.append(text)
                batchBytes += text.utf8.count
                if batchBytes >= 64 << 20 { countBatch() }
            }
        } catch { throw CommandError(error.description) }
        countBatch()
        guard !counts.isEmpty else { throw CommandError("the corpus holds no text (\(files.count) file(s) read)") }
        printError("counted \(counts.values.reduce(0, +)) pieces (\(counts.count) distinct) in \(String(format: "%.2f", seconds(since: start))) s")

        let result = trainer.train(pieceCounts: counts)
        let json = template?.json(for: result) ?? Data(HuggingFaceTokenizerWriter.json(for: result).utf8)
        do {
            try json.write(to: URL(fileURLWithPath: output), options: .atomic)
        } catch {
            throw CommandError("cannot write \(output): \((error as NSError).localizedFailureReason ?? error.localizedDescription)")
        }
        // Read back: the file must load, and added contents that training made tokens take no id of their own.
        let size = try loadTokenizer(output, pattern: nil).vocabularySize
        var summary = "wrote \(output): \(size) tokens, \(result.merges.count) merges in \(String(format: "%.2f", seconds(since: start))) s"
        if result.tokens.count + trainer.reservedIds < vocabSize { summary += " (stopped early: no pair occurs twice)" }
        if let template, template.dropsPostProcessor { summary += "; the post-processor of \(template.path) was dropped, since it names token ids" }
        printError(summary)
    }
}
