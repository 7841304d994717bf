import ArgumentParser
import Foundation
import Shards
import Tokenization
import TokenEquivalence
import Training
import Checksum

struct Classes: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Token equivalence classes for thresholded Hapax: repeats through similar tokens count.",
        discussion: """
            --surface: tokens are equivalent when their decoded text is equal once leading white space \
            is removed and case is folded (" National", "National" and " national" share a class).

            --embeddings: tokens are equivalent when their input embeddings have cosine similarity at \
            least --threshold (the paper's thresholded Hapax uses 0.3). Similarity is not transitive, so \
            classes are a leader clustering: in id order, each token joins the first representative it \
            is similar enough to, or starts a class; every member is similar to its representative. The \
            matrix (a hapax run's transformer.wte.weight by default; F32, F16 or BF16) needs a row per \
            token id; extra rows (a padded vocabulary) are ignored.

            Special tokens and unused ids are always alone. The output is JSON: the class of every id \
            (its representative's id), how the classes were made, and the largest classes decoded. Use \
            it with `hapax-prep shard --classes`.

            Examples:
              hapax-prep classes --tokenizer data/cl100k_base.tiktoken --surface -o classes.json
              hapax-prep classes --tokenizer tok.json --embeddings runs/vanilla/model.safetensors --threshold 0.3 -o classes.json
            """)

    @Option(help: "A tiktoken rank file (*.tiktoken), a Hugging Face tokenizer.json, a SentencePiece model or a Tekken file.") var tokenizer: String
    @Option(help: "Pre-tokenizer pattern for a rank file whose name does not tell it.") var pattern: PreTokenizer?
    @Option(name: .shortAndLong, help: "The class file to write.") var output: String
    @Flag(help: "Classes of equal text up to leading white space and case.") var surface = false
    @Option(help: "A safetensors file holding an embedding matrix.") var embeddings: String?
    @Option(help: "The embedding tensor's name.") var tensor = "transformer.wte.weight"
    @Option(help: "Least cosine similarity to a class's representative.") var threshold: Double?

    func validate() throws {
        guard surface != (embeddings != nil) else { throw ValidationError("give exactly one of --surface and --embeddings FILE") }
        if embeddings != nil {
            guard let threshold else { throw ValidationError("--embeddings needs --threshold (the paper uses 0.3)") }
            guard (-1...1).contains(threshold) else { throw ValidationError("--threshold must be a cosine similarity in [-1, 1]") }
        } else if threshold != nil {
            throw ValidationError("--threshold applies to --embeddings only")
        }
    }

    func run() throws {
        let start = DispatchTime.now()
        let loaded = try loadTokenizer(tokenizer, pattern: pattern)
        let tokenizerSHA256 = SHA256.hex(of: try readInput(tokenizer))
        let vocabulary = loaded.vocabularySize
        let classes: [UInt32]
        var source: TokenClassFile.Source?
        if let embeddings {
            let matrix: (shape: [Int], values: [Float])
            do {
                guard let found = try SafeTensors.read(embeddings, only: [tensor]).tensors[tensor] else {
                    throw CommandError("\(embeddings): no tensor \(tensor) (name another with --tensor)")
                }
                matrix = found
            } catch let error as ShardError { throw CommandError(error.description) }
            guard matrix.shape.count == 2, matrix.shape[0] >= vocabulary, matrix.shape[1] >= 1 else {
                throw CommandError("\(embeddings): \(tensor) has shape \(matrix.shape); it needs [rows, width] with at least \(vocabulary) rows, one per token id of \(tokenizer)")
            }
            let width = matrix.shape[1]
            let rows = Array(matrix.values.prefix(vocabulary * width))
            var eligible = [Bool](repeating: false, count: vocabulary)
            for id in loaded.ordinaryIds where Int(id) < vocabulary { eligible[Int(id)] = true }
            classes = EmbeddingClasses.classes(rows: rows, count: vocabulary, width: width, threshold: Float(threshold!), eligible: eligible)
            let hash = rows.withUnsafeBytes { SHA256.hex(of: Data($0)) }
            source = TokenClassFile.Source(file: URL(fileURLWithPath: embeddings).lastPathComponent, tensor: tensor, sha256: hash)
        } else {
            classes = SurfaceClasses.classes(loaded)
        }
        let summary = TokenClassFile.Summary(classes: classes, tokenizer: loaded)
        let file = TokenClassFile(method: surface ? "surface" : "embeddings", tokenizerSha256: tokenizerSHA256, source: source,
                                  threshold: threshold, summary: summary, classes: classes)
        do { try AtomicFile.write(ManifestJSON.encode(file), to: output) } catch { throw CommandError(error.description) }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        print("\(output): \(summary.classes) classes for \(vocabulary) ids (\(summary.singletons) alone), \(file.method)"
              + (threshold.map { " at cosine ≥ \($0)" } ?? "") + String(format: ", in %.2f s", seconds))
        for large in summary.largest.prefix(5) {
            let shown = large.tokens.map { "\"" + $0.replacingOccurrences(of: "\n", with: "\\n") + "\"" }.joined(separator: " ")
            print("  \(large.size) tokens: \(shown)\(large.size > large.tokens.count ? " …" : "")")
        }
    }
}
