import ArgumentParser
import Foundation
import InductionDetector
import Shards

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check every shard against the manifest and recompute match lengths.",
        discussion: """
            Checks each shard's size and SHA-256 against the manifest, its header against the run's \
            parameters, every zstd frame's checksum, every token id against the vocabulary, and the \
            invariants m[0] = 0 and m[t] <= m[t-1] + 1. Then recomputes the match lengths of a sample \
            of windows (every one with --all), over the folder's token classes if it has them, and compares. Exits non-zero naming the shard and window \
            at the first problem.
            """)

    @Argument(help: "A shard folder.")
    var folder: String

    @Flag(help: "Recompute the match lengths of every window, not a sample.")
    var all = false

    func run() throws {
        let folder = try openFolder(self.folder)
        _ = try folderTokenizer(folder)
        let parameters = folder.parameters
        let detector = MatchLengthDetector()
        let classes: TokenClasses?
        do { classes = try folder.tokenClasses() } catch { throw CommandError(error.description) }
        var shards = 0, windows = 0, recomputed = 0
        for split in Split.allCases {
            // A sample of about 2% of windows, at least 32, spread evenly.
            let total = folder.windowCount(split)
            let stride = all ? 1 : max(1, min(50, total / 32))
            for entry in folder.shards(split) {
                do {
                    try folder.verifyChecksum(entry)
                    let reader = try folder.reader(entry)
                    for local in 0..<entry.windows {
                        let (tokens, matches) = try reader.window(local)
                        let place = "\(reader.path): window \(local)"
                        if let bad = tokens.first(where: { Int($0) >= parameters.tokenizer.vocabSize }) {
                            throw CommandError("\(place): token id \(bad) is outside the vocabulary (\(parameters.tokenizer.vocabSize))")
                        }
                        let m = Array(matches)
                        if m[0] != 0 { throw CommandError("\(place): m[0] is \(m[0]), must be 0") }
                        if let t = (1..<m.count).first(where: { Int(m[$0]) > min(Int(m[$0 - 1]) + 1, 255) }) {
                            throw CommandError("\(place): m[\(t)] = \(m[t]) after m[\(t - 1)] = \(m[t - 1]); a match grows by at most one")
                        }
                        if (windows + local) % stride == 0 {
                            let expected = detector.matchLengths(Array(tokens), scope: parameters.scope, endOfText: parameters.tokenizer.endOfText,
                                                                  classes: classes)
                            if let t = expected.indices.first(where: { expected[$0] != m[$0] }) {
                                throw CommandError("\(place): stored m[\(t)] = \(m[t]), recomputed \(expected[t])")
                            }
                            recomputed += 1
                        }
                    }
                } catch let error as ShardError {
                    throw CommandError(error.description)
                }
                shards += 1
                windows += entry.windows
            }
        }
        print("verified \(shards) shard(s), \(windows) windows, match lengths recomputed for \(recomputed): ok")
    }
}
