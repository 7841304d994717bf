import ArgumentParser
import Foundation
import WorkerPool
import InductionDetector
import CorpusFormats
import Preprocessing
import TokenFiles
import Shards
import Tokenization

struct Shard: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Tokenize a corpus, pack it into windows, compute Hapax match lengths, and write shards.",
        discussion: """
            Inputs are files, folders (read recursively in sorted order), glob patterns, and - for the \
            standard input. Plain-text files are one document each; .jsonl/.ndjson/.json files are JSON \
            Lines, one document per line under --text-field; .parquet files one document per row of the \
            string column --text-field (--format sets one format for all inputs; the standard input is \
            plain text unless --format jsonl). Files may be gzip (.gz) or zstd (.zst) compressed; the \
            standard input is decompressed when its first bytes say so, so `curl -s URL | hapax-prep \
            shard - --format jsonl …` needs no local copy. Other binary files (archives, PDF, NumPy, or \
            NUL bytes early on) are refused, not tokenized.

            Pre-tokenized corpora go in as they are: a Megatron indexed dataset by its .idx, and with \
            --format tokens --dtype uint16|uint32 a flat token file (raw, .npy, llm.c .bin) whose \
            documents end after each end-of-text id. --tokenizer names the tokenizer the ids come from. \
            With --packed, each sequence of a Megatron dataset is one training sample of exactly \
            seq-len + 1 ids (Pythia's pre-shuffled Pile): it becomes one window as it is, in file order, \
            with nothing added and nothing re-packed, so window i is sample i.

            Documents, each followed by end-of-text (and preceded by the beginning-of-sequence token with \
            --bos), are grouped into work units of about --unit-size \
            bytes of text; a unit never spans a block of --unit-size input bytes, which is what lets a \
            run be split into parts. Each unit's token stream is cut into windows of seq-len + 1 tokens \
            that overlap by one; tokens at a unit's end that fill no window (fewer than seq-len) are dropped. Every \
            token's match length (the longest n-gram ending there that occurred earlier in its window, or \
            document with --scope document) is stored next to it, so training can apply any mask rule.

            The folder gets one shard per unit and split, a record per finished unit, and manifest.json \
            last. Run the same command again after an interruption: finished units are reused and the \
            result is byte-identical to an uninterrupted run, whatever --threads is.

            With --classes (a file from `hapax-prep classes`), match lengths are computed over token \
            classes, so a repeat through similar tokens counts (thresholded Hapax); stored tokens keep \
            their ids, and every mask rule and n works unchanged.

            To spread a run over machines, give each one --part I/N and its own folder, then join the \
            folders with `hapax-prep merge`: the merged folder holds exactly the shards one process \
            would have written. Parts are ranges of the input bytes, balanced by size; under a Slurm \
            job array or a Kubernetes indexed Job, --part auto/N reads I from the scheduler \
            (docs/SCALING.md).

            Examples:
              hapax-prep shard data/shakespeare --tokenizer data/cl100k_base.tiktoken --seq-len 1024 -o data/shards
              hapax-prep shard 'corpus/*.jsonl.zst' --tokenizer tokenizer.json --seq-len 2048 --val-fraction 0.01 -o shards
              hapax-prep shard corpus/ --tokenizer tokenizer.json --seq-len 2048 --part 3/8 -o parts/3
              zstdcat dump.jsonl.zst | hapax-prep shard - --format jsonl --tokenizer tokenizer.json --seq-len 2048 -o shards
              hapax-prep shard fineweb/sample/10BT/ --tokenizer data/mistral/tokenizer.model.v1 --bos --seq-len 4096 -o shards
              hapax-prep shard pile_20B_tokenizer_text_document.idx --tokenizer 20B_tokenizer.json --seq-len 2048 -o shards
              hapax-prep shard pile_deduped_preshuffled.idx --packed --tokenizer 20B_tokenizer.json --seq-len 2048 -o shards
              hapax-prep shard train.bin --format tokens --dtype uint16 --tokenizer gpt2.tiktoken --seq-len 1024 -o shards
            """)

    @Argument(help: "Corpus files, folders, glob patterns, or - for the standard input.")
    var inputs: [String]

    @Option(help: "A tiktoken rank file (*.tiktoken), a Hugging Face tokenizer.json, a SentencePiece model or a Tekken file.")
    var tokenizer: String

    @Option(help: "Pre-tokenizer pattern for a rank file whose name does not tell it (gpt2, cl100k, o200k, llama3, qwen2).")
    var pattern: PreTokenizer?

    @Option(help: "Training context length; windows hold seq-len + 1 tokens.")
    var seqLen: Int

    @Option(name: .shortAndLong, help: "Output folder (new, empty, or an earlier run of the same command).")
    var output: String

    @Option(help: "Where an earlier occurrence counts: window (across documents) or document.")
    var scope: MatchScope = .window

    @Flag(help: "Put the tokenizer's beginning-of-sequence token (<s>, <bos>) before each document, as Llama-family pretraining does.")
    var bos = false

    @Option(help: "Share of documents (chosen by a hash of their index) that go to the val split.")
    var valFraction: Double = 0

    @Option(help: "How inputs hold documents: auto (by name), text (one document per input), jsonl (one per line), parquet (one per row), megatron (an indexed dataset's .idx) or tokens (ids, documents ending with end-of-text).")
    var format: FormatChoice = .auto

    @Flag(help: "Take each sequence of a Megatron dataset as one training sample of seq-len + 1 ids: one window as it is, nothing added or re-packed.")
    var packed = false

    @Option(help: "How a token file (--format tokens) stores its ids: uint16 or uint32.")
    var dtype: TokenFileType?

    @Option(help: "The JSON Lines field or Parquet column that holds the text.")
    var textField = "text"

    @Flag(help: "Fail on invalid UTF-8 and on JSON lines without text, instead of replacing or skipping them.")
    var strict = false

    @Option(help: "zstd compression level (1 fastest … 19 smallest).")
    var level = 3

    @Option(help: "Windows per zstd frame; reading a window decompresses its frame. (default: as many as hold 128Ki tokens)")
    var windowsPerFrame: Int?

    @Option(help: "Bytes of text per work unit; also the longest document accepted.")
    var unitSize = 32 << 20

    @Option(help: "Token classes to find repeats over (hapax-prep classes); copied into the folder.")
    var classes: String?

    @Option(help: ArgumentHelp("Make part I of N (from 0) of the run, for `hapax-prep merge`; auto/N reads I from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX.", valueName: "I/N"))
    var part: PartOption?

    @Option(help: "Threads (the output does not depend on it).")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    static let maximumUnitSize = 1 << 36
    static let maximumParts = 1 << 20

    func validate() throws {
        guard (1...ShardHeader.maximumWindowLength - 1).contains(seqLen) else {
            throw ValidationError("--seq-len must be between 1 and \(ShardHeader.maximumWindowLength - 1)")
        }
        guard (0..<1).contains(valFraction) else { throw ValidationError("--val-fraction must be in [0, 1)") }
        guard (1...22).contains(level) else { throw ValidationError("--level must be between 1 and 22") }
        guard (1...ShardHeader.maximumFrameTokens).contains((windowsPerFrame ?? 1) * (seqLen + 1)) else {
            throw ValidationError("--windows-per-frame × (--seq-len + 1) must be between 1 and \(ShardHeader.maximumFrameTokens) tokens")
        }
        guard (1...Self.maximumUnitSize).contains(unitSize) else {
            throw ValidationError("--unit-size must be between 1 and \(Self.maximumUnitSize) bytes (64 GiB): a unit is held in memory")
        }
        if let part, !(1...Self.maximumParts).contains(part.count) {
            throw ValidationError("--part I/N: N must be between 1 and \(Self.maximumParts)")
        }
        guard (1...maximumThreads).contains(threads) else { throw ValidationError("--threads must be between 1 and \(maximumThreads)") }
        guard (dtype != nil) == (format == .tokens) else { throw ValidationError("--dtype goes with --format tokens, and --format tokens needs it") }
        if packed {
            guard format == .megatron || (format == .auto && inputs.allSatisfy { $0.hasSuffix(".idx") }) else {
                throw ValidationError("--packed reads Megatron datasets (.idx), whose sequences are training samples")
            }
            guard !bos else { throw ValidationError("--packed takes samples as they are: --bos would add a token to each") }
        }
    }

    func run() throws {
        let files: [String]
        do { files = try expandInputs(inputs) } catch { throw CommandError(error.description) }
        var options = ShardingOptions(inputs: files, tokenizerPath: tokenizer, seqLen: seqLen, output: output)
        options.pattern = pattern
        options.scope = scope
        options.valFraction = valFraction
        options.beginsDocuments = bos
        options.textField = textField
        options.strict = strict
        options.level = level
        options.windowsPerFrame = windowsPerFrame ?? max(1, (1 << 17) / (seqLen + 1))
        options.unitBytes = unitSize
        options.threads = threads
        options.classesPath = classes
        options.format = format
        options.packed = packed
        options.tokenType = dtype.map { $0 == .uint16 ? .uint16 : .uint32 }
        options.part = try part?.resolve()

        let line = ProgressLine()
        let pipeline: ShardingPipeline
        let manifest: Manifest
        do {
            pipeline = try ShardingPipeline(options: options)
            manifest = try pipeline.run { state in
                line.update({
                    let rate = Double(state.consumedBytes) / 1e6 / max(line.elapsed, 1e-9)
                    let share = state.totalBytes > 0 ? Double(state.consumedBytes) / Double(state.totalBytes) : 0
                    let eta = share > 0 ? line.elapsed * (1 - share) / share : 0
                    return "shard: \(count(state.documents)) documents, \(count(state.tokens)) tokens in \(state.unitsDone) units, "
                        + String(format: "%.1f MB/s, %.0f%%, ETA %@", rate, share * 100, duration(eta))
                }())
            }
        } catch {
            line.finish()
            throw CommandError(error.description)
        }
        line.finish()
        printSummary(manifest, pipeline: pipeline, wall: line.elapsed)
    }

    private func printSummary(_ manifest: Manifest, pipeline: ShardingPipeline, wall: Double) {
        let stats = manifest.statistics
        let train = manifest.splits["train"]!, val = manifest.splits["val"]!
        let shards = train.shards.count + val.shards.count
        let what = manifest.parameters.part.map { "part \($0) (blocks \(pipeline.blocks.lowerBound)..<\(pipeline.blocks.upperBound) of \(pipeline.layout.blockCount))" } ?? "the run"
        for notice in pipeline.notices { printError("note: \(notice)") }
        printError("wrote \(what): \(shards) shard(s) and \(Manifest.fileName) to \(output) in \(String(format: "%.2f", wall)) s "
            + String(format: "(%.1f MB/s of text)", Double(stats.textBytes) / 1e6 / max(wall, 1e-9)))
        printError("  \(stats.documents) documents (train \(train.documents), val \(val.documents)), \(count(stats.textBytes)) bytes of text, "
            + "\(count(stats.tokens)) tokens; windows of \(seqLen + 1): train \(train.windows), val \(val.windows)")
        printError("  \(stats.droppedTailTokens) tokens dropped at the ends of \(manifest.units) work unit(s); "
            + "\(stats.replacedSequences) invalid UTF-8 sequence(s) replaced; \(stats.skippedLines) record(s) skipped (JSON lines without text, null Parquet values)")
        printError(String(format: "  hapax n=2 (\(scope.rawValue) scope) drops %.2f%% of targets; %.3f bytes per token on disk (zstd level %d)",
                          stats.hapaxDroppedShare * 100, stats.bytesPerToken, level))
        let times = pipeline.times
        if times.detect > 0 {
            printError(String(format: "  CPU seconds: tokenize %.2f, detect %.2f (%.1fM tokens/s per core), compress %.2f",
                              times.tokenize, times.detect, Double(times.detectedTokens) / 1e6 / times.detect, times.compress))
        }
    }
}

extension MatchScope: ExpressibleByArgument {}
extension FormatChoice: ExpressibleByArgument {}

/// The id types of the token files hapax reads.
enum TokenFileType: String, ExpressibleByArgument {
    case uint16, uint32
}
