import ArgumentParser
import Foundation
import InductionDetector
import CorpusFormats
import Preprocessing
import Shards
import Training

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print windows as JSON Lines, or write them as GPT-NeoX / Megatron datasets with Hapax labels.",
        discussion: """
            jsonl (the default) prints {"split", "window", "tokens", "match"} per line: `match` holds the \
            stored match length of every token (capped at 255). Windows are numbered from 0 across the \
            shards of a split, in manifest order.

            megatron writes, per split, OUT/SPLIT_text_document.{bin,idx} (window w's first seq_len \
            tokens as document w) and OUT/SPLIT_label_document.{bin,idx} (int32: -100 at position 0 and \
            where --mask drops the target, the token where it keeps it), and prints the GPT-NeoX config \
            lines. With NeoX's seq_length set to the folder's seq_len, NeoX trains on exactly the \
            targets hapax-train keeps (docs/FORMAT.md, section 8).

            Examples:
              hapax-prep export data/shards --windows 0..10
              hapax-prep export data/shards --split val > val.jsonl
              hapax-prep export data/shards --format megatron -o neox-data
              hapax-prep export data/shards --format megatron --mask random:0.2 --seed 3 -o neox-control
            """)

    enum Format: String, ExpressibleByArgument { case jsonl, megatron }

    @Argument(help: "A shard folder.")
    var folder: String

    @Option(help: "jsonl (to standard output) or megatron (to -o).")
    var format: Format = .jsonl

    @Option(name: .shortAndLong, help: "The folder the megatron datasets go to.")
    var output: String?

    @Option(help: "For megatron: the loss mask the labels carry: hapax, none, repeat, offset, or random:P.")
    var mask = "hapax"

    @Option(help: "For megatron: n of the hapax mask.")
    var ngram = 2

    @Option(help: "For megatron: the seed of random:P (hapax-train's --seed).")
    var seed: UInt64 = 1

    @Option(help: "For jsonl: train or val.")
    var split: Split = .train

    @Option(help: "For jsonl: windows A..B, from A up to but not including B (either end may be left out).")
    var windows: String?

    func validate() throws {
        guard (format == .megatron) == (output != nil) else { throw ValidationError("-o goes with --format megatron, which needs it") }
        guard MaskRule.ngramRange.contains(ngram) else { throw ValidationError("--ngram must be between 1 and \(MaskRule.ngramRange.upperBound)") }
        guard TrainingMask(mask, ngram: ngram, seed: seed) != nil else { throw ValidationError("--mask must be hapax, none, repeat, offset or random:P with P in [0, 1]") }
    }

    func run() throws {
        let folder = try openFolder(self.folder)
        if let output { return try writeMegatron(folder, to: output) }
        let total = folder.windowCount(split)
        let range = try windowRange(windows, total: total)
        var out = Data()
        let stdout = FileHandle.standardOutput
        do {
            try folder.forEachWindow(split) { k, tokens, matches in
                guard range.contains(k) else { return }
                out.append(contentsOf: "{\"split\":\"\(split.rawValue)\",\"window\":\(k),\"tokens\":[".utf8)
                out.append(contentsOf: tokens.map(String.init).joined(separator: ",").utf8)
                out.append(contentsOf: "],\"match\":[".utf8)
                out.append(contentsOf: matches.map(String.init).joined(separator: ",").utf8)
                out.append(contentsOf: "]}\n".utf8)
                if out.count > 1 << 20 {
                    stdout.write(out)
                    out.removeAll(keepingCapacity: true)
                }
            }
        } catch { throw CommandError("\(error)") }
        stdout.write(out)
    }
}

extension Export {
    private func writeMegatron(_ folder: ShardFolder, to output: String) throws {
        let start = DispatchTime.now()
        let written: [(split: Split, windows: Int)]
        do {
            written = try MegatronExport.write(folder, to: output, mask: TrainingMask(mask, ngram: ngram, seed: seed)!)
        } catch { throw CommandError("\(error)") }
        let tokens = written.reduce(0) { $0 + $1.windows } * folder.parameters.seqLen
        printError("wrote \(written.map { "\($0.windows) \($0.split.rawValue)" }.joined(separator: " and ")) windows (\(tokens) tokens) to \(output) in "
                   + String(format: "%.2f s (%.1f M tokens/s)", seconds(since: start), Double(tokens) / 1e6 / max(seconds(since: start), 1e-9)))
        let path = URL(fileURLWithPath: output).standardizedFileURL.path
        print("GPT-NeoX config (the mask: \(mask)\(mask == "hapax" ? " n=\(ngram)" : "")):")
        print("  \"seq_length\": \(folder.parameters.seqLen),")
        // NeoX's default "infer" cannot open these datasets at its head; mmap is what they are.
        print("  \"data_impl\": \"mmap\",")
        // NeoX's validate_values wants train, valid and test paths together: a split the folder
        // lacks is stood in for by one it has, and the lines say so.
        let exported = Set(written.map(\.split))
        let valid: Split = exported.contains(.val) ? .val : .train
        for (name, split) in [("train", Split.train), ("valid", valid), ("test", valid)] where exported.contains(split) {
            if name == "valid" && split != .val { print("  # no val split: the train export stands in for valid and test") }
            if name == "test" && split == .val { print("  # no test split: the val export stands in for test") }
            print("  \"\(name)_data_paths\": [\"\(path)/\(split.rawValue)_text_document\"],")
            print("  \"\(name)_label_data_paths\": [\"\(path)/\(split.rawValue)_label_document\"],")
        }
    }
}

/// Parses `A..B` (half-open; either end optional) against `total` windows.
func windowRange(_ text: String?, total: Int) throws -> Range<Int> {
    guard let text else { return 0..<total }
    let parts = text.components(separatedBy: "..")
    guard parts.count == 2, let lower = parts[0].isEmpty ? 0 : Int(parts[0]), let upper = parts[1].isEmpty ? total : Int(parts[1]),
          lower >= 0, lower <= upper else {
        throw ValidationError("--windows takes A..B with 0 <= A <= B, got \(text)")
    }
    guard upper <= total else { throw ValidationError("--windows \(text) goes past the last window (\(total) in the split)") }
    return lower..<upper
}
