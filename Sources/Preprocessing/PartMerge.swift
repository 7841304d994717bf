import CorpusFormats
import Foundation
import Shards

/// Joins the folders of a partitioned run (`shard --part I/N`) into one folder whose manifest
/// covers every part's shards, as if one process had made them all: units are named by their block
/// of the input layout, so no two parts share a file name, and the merged files are the parts' own
/// files under the same names.
///
/// Shards are never copied. By default they are hard-linked: the merge costs no space and no time
/// per byte, the part folders stay valid (a part can be rerun or verified on its own), and deleting
/// the parts afterwards leaves the merged folder whole. `move` renames them instead, for file
/// systems without hard links or when the parts should not remain. Either needs the merged folder
/// on the parts' file system. The manifest is written last, so an interrupted merge leaves no
/// manifest, and running the same merge again completes it.
public struct PartMerge {
    public enum Placement: Sendable { case link, move }

    public let parts: [(path: String, manifest: Manifest)]
    public let parameters: RunParameters

    /// Reads and checks the part folders: all finished, made with the same parameters, each part
    /// of the same count exactly once.
    public init(parts paths: [String]) throws(InputError) {
        var parts: [(path: String, manifest: Manifest)] = []
        for path in paths {
            let manifest: Manifest
            do { manifest = try ShardFolder(path: path).manifest } catch { throw InputError(error.description) }
            guard manifest.parameters.part != nil else {
                throw InputError("\(path) holds a whole run, not a part (made without --part)")
            }
            parts.append((path, manifest))
        }
        guard let first = parts.first else { throw InputError("no part folders given") }
        var whole = first.manifest.parameters
        whole.part = nil
        let count = first.manifest.parameters.part!.count
        var byIndex: [Int: String] = [:]
        for (path, manifest) in parts {
            let part = manifest.parameters.part!
            guard part.count == count else {
                throw InputError("\(path) holds part \(part) but \(first.path) holds part \(first.manifest.parameters.part!): parts of different runs")
            }
            var mine = manifest.parameters
            mine.part = nil
            let differences = mine.differences(from: whole)
            guard differences.isEmpty else {
                throw InputError("\(path) was made with other parameters than \(first.path) (\(differences.joined(separator: "; ")))")
            }
            if let other = byIndex.updateValue(path, forKey: part.index) {
                throw InputError("\(other) and \(path) both hold part \(part)")
            }
        }
        let missing = (0..<count).filter { byIndex[$0] == nil }
        guard missing.isEmpty else {
            throw InputError("part(s) \(missing.map { "\($0)/\(count)" }.joined(separator: ", ")) missing: give all \(count) part folders")
        }
        self.parts = parts.sorted { $0.manifest.parameters.part!.index < $1.manifest.parameters.part!.index }
        parameters = whole
        try checkPlacement()
    }

    /// Every unit of a part lies in the blocks the input layout gives that part, and no file is
    /// placed twice: a part that read a document of another part's blocks would otherwise merge into
    /// a folder holding it twice.
    private func checkPlacement() throws(InputError) {
        let layout = InputLayout(inputs: parameters.inputs.map { ($0.path, $0.bytes) },
                                 format: FormatChoice(rawValue: parameters.format ?? "auto") ?? .auto, blockBytes: parameters.unitBytes)
        var placedBy: [String: String] = [:]
        for (path, manifest) in parts {
            let part = manifest.parameters.part!
            let blocks = layout.blocks(part: part.index, of: part.count)
            let records = ((try? FileManager.default.contentsOfDirectory(atPath: URL(fileURLWithPath: path).appendingPathComponent(Manifest.unitsFolder).path)) ?? [])
                .filter { $0.hasSuffix(".json") }.map { "\(Manifest.unitsFolder)/\($0)" }
            for file in manifest.splits.values.flatMap({ $0.shards.map(\.file) }) + records {
                guard let unit = UnitName(fileName: URL(fileURLWithPath: file).lastPathComponent), blocks.contains(unit.block) else {
                    throw InputError("\(path): \(file) lies outside part \(part)'s blocks \(blocks.lowerBound)..<\(blocks.upperBound); rerun that part")
                }
                if let other = placedBy.updateValue(path, forKey: file) {
                    throw InputError("\(file) is listed by \(other == path ? "\(path) twice" : "both \(other) and \(path)"); rerun those parts")
                }
            }
        }
    }

    /// The manifest of the merged folder: every part's shards in part order, and the sums of their
    /// counts, so that it equals the manifest one process would have written.
    public var manifest: Manifest {
        var splits: [String: SplitSummary] = [:]
        for split in Split.allCases {
            let summaries = parts.compactMap { $0.manifest.splits[split.rawValue] }
            splits[split.rawValue] = SplitSummary(
                documents: summaries.reduce(0) { $0 + $1.documents }, windows: summaries.reduce(0) { $0 + $1.windows },
                targets: summaries.reduce(0) { $0 + $1.targets }, hapaxDropped: summaries.reduce(0) { $0 + $1.hapaxDropped },
                shards: summaries.flatMap(\.shards))
        }
        let statistics = parts.map(\.manifest.statistics)
        func sum(_ field: KeyPath<Statistics, Int>) -> Int { statistics.reduce(0) { $0 + $1[keyPath: field] } }
        let targets = splits.values.reduce(0) { $0 + $1.targets }, dropped = splits.values.reduce(0) { $0 + $1.hapaxDropped }
        return Manifest(
            format: Manifest.formatName, formatVersion: Int(ShardHeader.version), parameters: parameters,
            units: parts.reduce(0) { $0 + $1.manifest.units }, splits: splits,
            statistics: Statistics(
                documents: sum(\.documents), textBytes: sum(\.textBytes), tokens: sum(\.tokens),
                droppedTailTokens: sum(\.droppedTailTokens), replacedSequences: sum(\.replacedSequences),
                skippedLines: sum(\.skippedLines), hapaxDroppedShare: targets > 0 ? Double(dropped) / Double(targets) : 0,
                shardBytes: sum(\.shardBytes), bytesPerToken: targets > 0 ? Double(sum(\.shardBytes)) / Double(targets) : 0))
    }

    /// Writes the merged folder: parameters first, the tokenizer (and class file) copied, every
    /// shard and unit record linked or moved, the manifest last. Returns the number of files placed.
    public func write(to output: String, placement: Placement) throws(InputError) -> Int {
        let manifest = self.manifest
        guard manifest.statistics.documents > 0 else { throw InputError("the parts hold no documents") }
        let fileManager = FileManager.default
        let folder = URL(fileURLWithPath: output)
        let parametersPath = folder.appendingPathComponent(Manifest.parametersFileName).path
        if fileManager.fileExists(atPath: parametersPath) {
            let existing: RunParameters
            do { existing = try ManifestJSON.decode(RunParameters.self, from: parametersPath) } catch { throw InputError(error.description) }
            let differences = parameters.differences(from: existing)
            guard differences.isEmpty else {
                throw InputError("\(output) holds shards made with other parameters (\(differences.joined(separator: "; "))); merge into a new folder")
            }
        } else if let contents = try? fileManager.contentsOfDirectory(atPath: output),
                  contents.contains(where: { !$0.contains(".tmp-") && $0 != FolderLock.fileName }) {
            throw InputError("\(output) exists, is not empty and holds no \(Manifest.parametersFileName); merge into a new or empty folder")
        }
        do {
            try fileManager.createDirectory(at: folder.appendingPathComponent(Manifest.unitsFolder), withIntermediateDirectories: true)
        } catch { throw InputError("cannot create \(output): \(error.localizedDescription)") }
        let lock: FolderLock
        do { lock = try FolderLock(folder: output, user: "hapax-prep merge") } catch { throw InputError(error.description) }
        defer { withExtendedLifetime(lock) {} }
        do { try AtomicFile.remove(folder.appendingPathComponent(Manifest.fileName).path) } catch { throw InputError(error.description) }
        // Temporary links of an interrupted merge.
        for sub in [folder, folder.appendingPathComponent(Manifest.unitsFolder)] {
            for name in (try? fileManager.contentsOfDirectory(atPath: sub.path)) ?? [] where name.contains(".tmp-") {
                try? fileManager.removeItem(at: sub.appendingPathComponent(name))
            }
        }
        try save(ManifestJSON.encode(parameters), to: parametersPath)

        let first = URL(fileURLWithPath: parts[0].path)
        var copies = [parameters.tokenizer.file]
        if let classes = parameters.classes { copies.append(classes.file) }
        for file in copies {
            let bytes: Data
            do { bytes = try Data(contentsOf: first.appendingPathComponent(file)) } catch {
                throw InputError("\(first.appendingPathComponent(file).path): cannot read: \(error.localizedDescription)")
            }
            do {
                try fileManager.createDirectory(at: folder.appendingPathComponent(file).deletingLastPathComponent(), withIntermediateDirectories: true)
            } catch { throw InputError("cannot create \(output): \(error.localizedDescription)") }
            try save(Array(bytes), to: folder.appendingPathComponent(file).path)
        }

        var placed = 0
        for (path, partManifest) in parts {
            let part = URL(fileURLWithPath: path)
            for entry in partManifest.splits.values.flatMap(\.shards) {
                try place(part.appendingPathComponent(entry.file).path, at: folder.appendingPathComponent(entry.file).path,
                          bytes: entry.bytes, placement)
                placed += 1
            }
            let records = part.appendingPathComponent(Manifest.unitsFolder)
            let names = ((try? fileManager.contentsOfDirectory(atPath: records.path)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
            for name in names {
                try place(records.appendingPathComponent(name).path,
                          at: folder.appendingPathComponent(Manifest.unitsFolder).appendingPathComponent(name).path, bytes: nil, placement)
            }
        }
        do { try AtomicFile.syncFolder(of: folder.appendingPathComponent(Manifest.unitsFolder).appendingPathComponent("-").path) } catch {
            throw InputError(error.description)
        }
        try save(ManifestJSON.encode(manifest), to: folder.appendingPathComponent(Manifest.fileName).path)
        return placed
    }

    /// Puts `source` at `destination` by a hard link (through a temporary name, so an existing file
    /// is replaced at once) or a rename. A file already in place, as after an interrupted merge, is
    /// kept; a shard must have the size its part's manifest records.
    private func place(_ source: String, at destination: String, bytes: Int?, _ placement: Placement) throws(InputError) {
        let sourceStatus = fileStatus(source)
        if let destinationStatus = fileStatus(destination), bytes.map({ Int(destinationStatus.st_size) == $0 }) ?? true {
            let sameFile = sourceStatus.map { $0.st_ino == destinationStatus.st_ino && $0.st_dev == destinationStatus.st_dev } ?? false
            let movedEarlier = sourceStatus == nil && placement == .move
            if sameFile || movedEarlier { return }
        }
        guard let sourceStatus else { throw InputError("\(source): missing; rerun the part that makes it") }
        if let bytes, Int(sourceStatus.st_size) != bytes {
            throw InputError("\(source): \(sourceStatus.st_size) bytes, its part's manifest says \(bytes); rerun that part")
        }
        let status: Int32
        switch placement {
        case .link:
            let temporary = destination + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
            unlink(temporary)
            status = link(source, temporary) == 0 ? rename(temporary, destination) : -1
        case .move:
            status = rename(source, destination)
        }
        guard status == 0 else {
            let reason = errno == EXDEV ? "the part and the merged folder are on different file systems; merge into a folder beside the parts"
                : String(cString: strerror(errno))
            throw InputError("cannot \(placement == .link ? "link" : "move") \(source) to \(destination): \(reason)")
        }
    }

    private func save(_ bytes: [UInt8], to path: String) throws(InputError) {
        do { try AtomicFile.write(bytes, to: path) } catch { throw InputError(error.description) }
    }
}
