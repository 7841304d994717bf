import ArgumentParser
import Foundation
import CorpusFormats
import Preprocessing

struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Join the part folders of a partitioned run (shard --part I/N) into one shard folder.",
        discussion: """
            Checks that every part finished, that all were made with the same parameters and that each \
            of the N parts is given exactly once, then writes one folder whose manifest covers every \
            part's shards: the folder one process running the same shard command without --part would \
            have written, byte for byte. Every command and reader takes it as it takes any shard folder.

            Shards are not copied. By default they are hard-linked into the merged folder: no space and \
            no time per byte, the part folders stay intact, and deleting them later leaves the merged \
            folder whole. --move renames them instead. Either way the merged folder must be on the \
            parts' file system. The manifest is written last; run the same merge again to complete an \
            interrupted one. Merging the same parts again gives the same bytes.

            Example (the parts of `hapax-prep shard corpus/ … --part I/4 -o parts/I`):
              hapax-prep merge parts/0 parts/1 parts/2 parts/3 -o shards
            """)

    @Argument(help: "The part folders, in any order.")
    var parts: [String]

    @Option(name: .shortAndLong, help: "The merged folder (new, empty, or an earlier merge of the same parts).")
    var output: String

    @Flag(help: "Move the shards out of the part folders instead of hard-linking them.")
    var move = false

    func run() throws {
        let start = Date()
        do {
            let merge = try PartMerge(parts: parts)
            let placed = try merge.write(to: output, placement: move ? .move : .link)
            let manifest = merge.manifest
            let train = manifest.splits["train"]!, val = manifest.splits["val"]!
            printError("merged \(merge.parts.count) parts into \(output): \(placed) shard(s) \(move ? "moved" : "linked"), "
                + "\(manifest.units) units, windows: train \(train.windows), val \(val.windows), "
                + String(format: "in %.2f s", Date().timeIntervalSince(start)))
        } catch {
            throw CommandError(error.description)
        }
    }
}
