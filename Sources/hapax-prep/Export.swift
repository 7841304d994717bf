import ArgumentParser
import Foundation
import Shards

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print windows as JSON Lines: {\"split\", \"window\", \"tokens\", \"match\"} per line.",
        discussion: """
            `match` holds the stored match length of every token (capped at 255). Windows are numbered \
            from 0 across the shards of a split, in manifest order.

            Examples:
              hapax-prep export data/shards --windows 0..10
              hapax-prep export data/shards --split val > val.jsonl
            """)

    @Argument(help: "A shard folder.")
    var folder: String

    @Option(help: "train or val.")
    var split: Split = .train

    @Option(help: "Windows A..B: from A up to but not including B (either end may be left out).")
    var windows: String?

    func run() throws {
        let folder = try openFolder(self.folder)
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
