import Foundation
import Shards
import TokenFiles

/// A shard folder as GPT-NeoX / Megatron datasets with Hapax labels (docs/FORMAT.md, section 8): per
/// split, `SPLIT_text_document` holds window w's first seq_len tokens as document w (the packed token
/// stream, as the OLMo export has it) in the smallest dtype for the vocabulary, and
/// `SPLIT_label_document` holds int32 labels: -100 at position 0 and wherever the mask drops the
/// target, the token itself where it keeps it. NeoX shifts labels by one and trains on those not
/// negative, and with `seq_length = seq_len` each of its samples is one window plus the next
/// document's first token, whose label is -100: it trains on exactly the targets 1 … seq_len-1 that
/// hapax-train keeps.
public enum MegatronExport {
    public static let ignored: Int32 = -100

    /// Writes the datasets of every split that has windows into `output`; returns each split's windows.
    public static func write(_ folder: ShardFolder, to output: String, mask: TrainingMask,
                             progress: (Int) -> Void = { _ in }) throws -> [(split: Split, windows: Int)] {
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        let seqLen = folder.parameters.seqLen
        let dtype = TokenType.megatron(vocabularySize: folder.parameters.tokenizer.vocabSize)
        var written: [(Split, Int)] = []
        var done = 0
        for split in Split.allCases where folder.windowCount(split) > 0 {
            let prefix = (output as NSString).appendingPathComponent(split.rawValue)
            let text = try MegatronWriter(prefix: prefix + "_text_document", dtype: dtype)
            let labels = try MegatronWriter(prefix: prefix + "_label_document", dtype: .int32)
            // Labels as the ids' bit patterns: -100 is 0xFFFFFF9C, written as the int32 it is.
            var label = [UInt32](repeating: UInt32(bitPattern: ignored), count: seqLen)
            try folder.forEachWindow(split) { w, tokens, matches in
                try tokens.withUnsafeBufferPointer { tokens in
                    try matches.withUnsafeBufferPointer { m in
                        switch mask {
                        case .rule(let rule):
                            for j in 1..<seqLen { label[j] = rule.drops(j, m) ? UInt32(bitPattern: ignored) : tokens[j] }
                        case .random:
                            let kept = mask.kept(window: w, matches: matches)
                            for j in 1..<seqLen { label[j] = kept[j - 1] ? tokens[j] : UInt32(bitPattern: ignored) }
                        }
                        try text.add(UnsafeBufferPointer(rebasing: tokens[0..<seqLen]))
                        try label.withUnsafeBufferPointer { try labels.add($0) }
                    }
                }
                done += 1
                if done % 4096 == 0 { progress(done) }
            }
            // The text last: a label dataset without its text is of no use to anyone.
            try labels.finish()
            try text.finish()
            written.append((split, folder.windowCount(split)))
        }
        return written
    }
}
