import CorpusFormats
import Foundation
import TokenFiles
import InductionDetector
import SeededRandom
import Shards
import Tokenization
import WorkerPool
import Checksum

public struct ShardingOptions: Sendable {
    public var inputs: [String]
    public var tokenizerPath: String
    public var pattern: PreTokenizer?
    public var seqLen: Int
    public var scope: MatchScope = .window
    public var valFraction: Double = 0
    /// Whether each document starts with the tokenizer's beginning-of-sequence token (`--bos`).
    public var beginsDocuments = false
    public var windowsPerFrame = 64
    public var level = 3
    public var unitBytes = 32 << 20
    public var textField = "text"
    public var format = FormatChoice.auto
    /// How token files (`--format tokens`) store their ids.
    public var tokenType: TokenType?
    /// Each sequence of the Megatron inputs is a training sample: one window as it is (`--packed`).
    public var packed = false
    public var strict = false
    /// Which part of the run this process makes, of how many (`--part I/N`); nil for the whole run.
    public var part: PartIdentity?
    public var threads = 1
    /// A class file (`hapax-prep classes`): match lengths over token classes instead of ids.
    public var classesPath: String?
    public var output: String

    public init(inputs: [String], tokenizerPath: String, seqLen: Int, output: String) {
        self.inputs = inputs
        self.tokenizerPath = tokenizerPath
        self.seqLen = seqLen
        self.output = output
    }
}

/// Where a run stands, for progress lines.
public struct ShardingProgress: Sendable {
    public var documents: Int
    public var tokens: Int
    public var consumedBytes: Int
    public var totalBytes: Int
    public var unitsDone: Int
    public var unitsReused: Int
}

/// CPU seconds spent in each stage, summed over threads.
public struct StageTimes: Sendable {
    public var tokenize = 0.0
    public var detect = 0.0
    public var compress = 0.0
    public var detectedTokens = 0
}

/// Corpus files to shards: documents are read in order and grouped into work units of about
/// `unitBytes` of text that never span a block of the input layout. Each unit is tokenized, packed
/// into windows of `seqLen + 1` tokens (stride `seqLen`) per split, its match lengths computed, and
/// written as one shard per split, followed by a unit record; the manifest is written last. Units
/// depend only on the inputs and parameters, so the bytes never depend on the thread count, a part
/// of the run (a range of blocks) makes exactly the units the whole run makes for those blocks, and a
/// rerun reuses every unit whose record and shards are in place.
public final class ShardingPipeline {
    public let options: ShardingOptions
    public let tokenizer: Tokenizer
    public let parameters: RunParameters
    public let layout: InputLayout
    /// The blocks this run reads: all of them, or its part's.
    public let blocks: Range<Int>
    public private(set) var times = StageTimes()
    private let tokenizerBytes: [UInt8]
    /// Held from the moment the folder exists until the pipeline is released.
    private var lock: FolderLock?
    private let classes: (map: TokenClasses, bytes: [UInt8])?
    /// What the run did that its options did not say, for the summary.
    public private(set) var notices: [String] = []

    public init(options: ShardingOptions) throws(InputError) {
        self.options = options
        do { tokenizer = try Tokenizer.load(path: options.tokenizerPath, pattern: options.pattern) } catch {
            throw InputError(error.description)
        }
        guard let endOfText = tokenizer.endOfText else {
            throw InputError("\(options.tokenizerPath): the tokenizer has no end-of-text token (\(Tokenizer.endOfTextContents.joined(separator: ", "))) to end documents with")
        }
        var beginningOfText: UInt32?
        if options.beginsDocuments {
            guard let bos = tokenizer.beginningOfText else {
                throw InputError("\(options.tokenizerPath): --bos: the tokenizer has no beginning-of-sequence token (\(Tokenizer.beginningOfTextContents.joined(separator: ", ")))")
            }
            beginningOfText = bos
        }
        do { tokenizerBytes = Array(try Data(contentsOf: URL(fileURLWithPath: options.tokenizerPath))) } catch {
            throw InputError("cannot read \(options.tokenizerPath): \(error.localizedDescription)")
        }
        var inputs: [InputFile] = []
        for path in options.inputs {
            let format = options.format.format(of: path)
            // A Megatron dataset is placed by its data file, which its index names.
            let dataPath = format == .megatron && path.hasSuffix(".idx") ? String(path.dropLast(4)) + ".bin" : path
            guard let size = fileSize(dataPath) else { throw InputError("\(dataPath): cannot read its size") }
            if format.isPretokenized && path == standardInputPath { throw InputError("standard input: pre-tokenized input must be a file") }
            if format == .tokens && options.tokenType == nil { throw InputError("\(path): a token file needs --dtype (uint16 or uint32)") }
            if format == .megatron {
                // Checked whole before anything is written.
                let index: MegatronIndex
                do { index = try MegatronIndex(path: path, sequences: options.packed) } catch { throw InputError(error.description) }
                if index.documentsStopShort && !options.packed {
                    notices.append("\(path): its document indices stop short of its \(index.sequenceCount) sequences (a dataset merged by GPT-NeoX's merge_datasets.py), so each sequence is read as one document, as NeoX does")
                }
            }
            // Every text input, not only those this part reads from their start: a part must not
            // tokenize the middle of a binary file either. The standard input too, before anything is
            // written (the bytes checked are read again); a named pipe is read whole and checked as it is
            // read, since reading it here would consume it.
            if (isRegularFile(path) || path == standardInputPath) && (format == .plainText || format == .jsonLines) {
                try BinaryContent.check(path)
            }
            inputs.append(InputFile(path: path, bytes: size))
        }
        layout = InputLayout(inputs: inputs.map { ($0.path, $0.bytes) }, format: options.format, blockBytes: options.unitBytes)
        if let part = options.part {
            if part.count > 1, options.inputs.contains(standardInputPath) {
                throw InputError("the standard input (-) cannot be divided into parts: its size is unknown until it is read")
            }
            blocks = layout.blocks(part: part.index, of: part.count)
        } else {
            blocks = 0..<layout.blockCount
        }
        let tokenizerSHA256 = SHA256.hex(of: tokenizerBytes)
        var classIdentity: ClassMapIdentity?
        if let path = options.classesPath {
            let loaded: (file: TokenClassFile, sha256: String, bytes: [UInt8])
            do { loaded = try TokenClassFile.load(path: path) } catch { throw InputError(error.description) }
            guard loaded.file.tokenizerSha256 == tokenizerSHA256 else {
                throw InputError("\(path) was made for the tokenizer with sha256 \(loaded.file.tokenizerSha256), but \(options.tokenizerPath) has \(tokenizerSHA256)")
            }
            guard loaded.file.vocabSize == tokenizer.vocabularySize else {
                throw InputError("\(path) has classes for \(loaded.file.vocabSize) ids, the tokenizer has \(tokenizer.vocabularySize)")
            }
            guard loaded.file.classes[Int(endOfText)] == endOfText, !loaded.file.classes.enumerated().contains(where: { $0.element == endOfText && $0.offset != Int(endOfText) }) else {
                throw InputError("\(path): the end-of-text token \(endOfText) must be alone in its class, since it separates documents")
            }
            classes = (loaded.file.tokenClasses, loaded.bytes)
            classIdentity = ClassMapIdentity(file: "classes/" + URL(fileURLWithPath: path).lastPathComponent, sha256: loaded.sha256)
        } else {
            classes = nil
        }
        let name = URL(fileURLWithPath: options.tokenizerPath).lastPathComponent
        parameters = RunParameters(
            seqLen: options.seqLen, windowLength: options.seqLen + 1, scope: options.scope,
            valFraction: options.valFraction, windowsPerFrame: options.windowsPerFrame, level: options.level,
            unitBytes: options.unitBytes, textField: options.textField, format: options.format.rawValue,
            tokenType: options.format == .tokens ? options.tokenType?.rawValue : nil,
            packed: options.packed ? true : nil, strict: options.strict,
            tokenizer: TokenizerIdentity(
                file: "tokenizer/\(name)", sha256: tokenizerSHA256,
                vocabSize: tokenizer.vocabularySize, endOfText: endOfText, beginningOfText: beginningOfText,
                tokenWidth: ShardHeader.tokenWidth(vocabularySize: tokenizer.vocabularySize),
                pattern: tokenizer.patternName),
            classes: classIdentity, inputs: inputs, part: options.part)
    }

    /// A unit's documents at most: each costs about 170 bytes of memory besides its tokens, so a unit
    /// of tiny documents (a Megatron dataset of short ones) would otherwise outgrow its bytes. At 2^20
    /// the peak was 17% higher once a run had more than one unit (tools/bench_megatron_memory.py:
    /// 196 MB for 1 M documents, 230 MB for 4 M and 16 M), so not flat; at 2^18 a unit is about 45 MB
    /// over a 40 MB start, and a run of 1 M documents is already several units.
    public static let maximumUnitDocuments = 1 << 18

    /// The split of a document: a seeded hash of its input's index and its start in that input
    /// decides, so the choice depends on nothing but where the document is, whoever reads it.
    public static func split(of document: Document, valFraction: Double) -> Split {
        guard valFraction > 0 else { return .train }
        var generator = SplitMix64(seed: UInt64(document.input) << 40 ^ UInt64(document.offset))
        return Double(generator.next() >> 11) / Double(UInt64(1) << 53) < valFraction ? .val : .train
    }

    private var folder: URL { URL(fileURLWithPath: options.output) }
    private func path(_ relative: String) -> String { folder.appendingPathComponent(relative).path }

    public func run(progress: (ShardingProgress) -> Void) throws(InputError) -> Manifest {
        try prepareFolder()
        let tokenOptions = options.tokenType.map { TokenInputOptions(type: $0, endOfText: parameters.tokenizer.endOfText) }
        let reader = CorpusReader(layout: layout, pieces: layout.pieces(for: blocks), textField: options.textField,
                                  strict: options.strict, tokenOptions: tokenOptions,
                                  sampleLength: options.packed ? options.seqLen + 1 : nil, maximumDocumentBytes: options.unitBytes)
        var state = ShardingProgress(documents: 0, tokens: 0, consumedBytes: 0,
                                     totalBytes: layout.bytesRead(in: blocks), unitsDone: 0, unitsReused: 0)
        var records: [UnitRecord] = []
        var pending: [Document] = []
        var pendingBytes = 0
        var unitsBlock = -1, unitInBlock = 0

        // A unit ends when the next document starts another unit, or at the end: the lines skipped
        // before that document in the same block count in the unit that ends.
        func finishUnit() throws(InputError) {
            let name = UnitName(block: pending[0].block, index: unitInBlock)
            let skipped = reader.takeSkippedLines(block: name.block)
            var record: UnitRecord
            let documentsSHA256 = Self.digest(of: pending)
            if let reused = reusableRecord(name, documentsSHA256: documentsSHA256) {
                record = reused
                state.unitsReused += 1
            } else {
                record = try process(name, documents: pending, textBytes: pendingBytes)
                record.documentsSha256 = documentsSHA256
                record.replacedSequences = pending.reduce(0) { $0 + $1.replacements }
                record.skippedLines = skipped
                try write(ManifestJSON.encodeChecked(record), to: unitRecordPath(name))
            }
            records.append(record)
            state.tokens += record.splits.values.reduce(0) { $0 + $1.tokens }
            state.unitsDone += 1
            unitInBlock += 1
            pending = []
            pendingBytes = 0
        }

        while let document = try reader.next() {
            if let first = pending.first,
               document.block != first.block || pendingBytes >= options.unitBytes || pending.count >= Self.maximumUnitDocuments {
                try finishUnit()
            }
            if document.block != unitsBlock {
                unitsBlock = document.block
                unitInBlock = 0
            }
            pending.append(document)
            pendingBytes += document.size
            state.documents += 1
            if state.documents % 256 == 0 || pendingBytes >= options.unitBytes {
                state.consumedBytes = reader.consumedBytes
                progress(state)
            }
        }
        if !pending.isEmpty { try finishUnit() }
        state.consumedBytes = reader.consumedBytes
        progress(state)
        guard state.documents > 0 || options.part != nil else {
            throw InputError("the inputs hold no documents (\(options.inputs.count) file(s) read)")
        }
        var manifest = Self.manifest(parameters: parameters, records: records)
        // Lines skipped in blocks that gave no document belong to no unit.
        manifest.statistics.skippedLines += reader.untakenSkippedLines
        try write(ManifestJSON.encode(manifest), to: path(Manifest.fileName))
        return manifest
    }

    // MARK: the output folder

    /// Makes the folder ready, parameters first: a run killed at any point leaves either a folder
    /// whose parameters a rerun recognises, or one holding nothing but temporary files.
    private func prepareFolder() throws(InputError) {
        let fileManager = FileManager.default
        let parametersPath = path(Manifest.parametersFileName)
        if fileManager.fileExists(atPath: parametersPath) {
            let existing: RunParameters
            do { existing = try ManifestJSON.decode(RunParameters.self, from: parametersPath) } catch {
                throw InputError(error.description)
            }
            let differences = parameters.differences(from: existing)
            if !differences.isEmpty {
                throw InputError("\(options.output) holds shards made with other parameters (\(differences.joined(separator: "; "))); use a new folder or the same arguments")
            }
        } else if let contents = try? fileManager.contentsOfDirectory(atPath: options.output),
                  contents.contains(where: { !$0.contains(".tmp-") && $0 != FolderLock.fileName }) {
            throw InputError("\(options.output) exists, is not empty and holds no \(Manifest.parametersFileName); choose a new or empty folder")
        }
        do {
            try fileManager.createDirectory(atPath: options.output, withIntermediateDirectories: true)
        } catch {
            throw InputError("cannot create \(options.output): \((error as NSError).localizedFailureReason ?? error.localizedDescription)")
        }
        do { lock = try FolderLock(folder: options.output, user: "hapax-prep shard") } catch { throw InputError(error.description) }
        // The manifest says the folder is finished: it goes before anything in the folder changes.
        do { try AtomicFile.remove(path(Manifest.fileName)) } catch { throw InputError(error.description) }
        removeTemporaryFiles(in: "")
        if !fileManager.fileExists(atPath: parametersPath) {
            try write(ManifestJSON.encode(parameters), to: parametersPath)
        }
        do {
            try fileManager.createDirectory(atPath: path(Manifest.unitsFolder), withIntermediateDirectories: true)
            try fileManager.createDirectory(atPath: path("tokenizer"), withIntermediateDirectories: true)
            if classes != nil { try fileManager.createDirectory(atPath: path("classes"), withIntermediateDirectories: true) }
        } catch {
            throw InputError("cannot create \(options.output): \((error as NSError).localizedFailureReason ?? error.localizedDescription)")
        }
        for sub in [Manifest.unitsFolder, "tokenizer", "classes"] { removeTemporaryFiles(in: sub) }
        let tokenizerCopy = path(parameters.tokenizer.file)
        if (try? Data(contentsOf: URL(fileURLWithPath: tokenizerCopy))).map(Array.init) != tokenizerBytes {
            try write(tokenizerBytes, to: tokenizerCopy)
        }
        if let classes, let identity = parameters.classes,
           (try? Data(contentsOf: URL(fileURLWithPath: path(identity.file)))).map(Array.init) != classes.bytes {
            try write(classes.bytes, to: path(identity.file))
        }
    }

    /// Temporary files of an interrupted run are never complete.
    private func removeTemporaryFiles(in sub: String) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: path(sub))) ?? [] where name.contains(".tmp-") {
            try? FileManager.default.removeItem(atPath: folder.appendingPathComponent(sub).appendingPathComponent(name).path)
        }
    }

    private func write(_ bytes: [UInt8], to path: String) throws(InputError) {
        do { try AtomicFile.write(bytes, to: path) } catch { throw InputError(error.description) }
    }

    private func unitRecordPath(_ name: UnitName) -> String {
        path("\(Manifest.unitsFolder)/unit-\(name).json")
    }

    /// The record of a unit finished by an earlier run, if it holds the same documents at the same
    /// places and its shards are intact. Documents are compared by a SHA-256 over their texts and
    /// where they start (which decides their split), so an input edited in place (at the same size,
    /// or behind a symbolic link) is never mixed with output made from its old contents.
    private func reusableRecord(_ name: UnitName, documentsSHA256: String) -> UnitRecord? {
        guard let record = try? ManifestJSON.decodeChecked(UnitRecord.self, from: unitRecordPath(name)),
              record.block == name.block, record.unit == name.index, record.documentsSha256 == documentsSHA256 else { return nil }
        for split in record.splits.values {
            guard let shard = split.shard else { continue }
            let size = (try? FileManager.default.attributesOfItem(atPath: path(shard.file))[.size] as? Int) ?? nil
            if size != shard.bytes { return nil }
        }
        return record
    }

    /// SHA-256 over the unit's documents, each as its input's index, its offset in that input and its
    /// byte count (u64, little-endian each), then its bytes: a text's UTF-8, or the ids as u32
    /// little-endian.
    static func digest(of documents: [Document]) -> String {
        var hasher = SHA256()
        func update(_ document: Document, _ bytes: UnsafeRawBufferPointer) {
            for field in [document.input, document.offset, bytes.count] {
                withUnsafeBytes(of: UInt64(field).littleEndian) { hasher.update(Array($0)) }
            }
            hasher.update(bytes)
        }
        for document in documents {
            switch document.content {
            case .text(var text): text.withUTF8 { update(document, UnsafeRawBufferPointer($0)) }
            // The ids' bytes are little-endian already on every machine Swift runs hapax on.
            case .tokens(let ids): ids.withUnsafeBytes { update(document, $0) }
            }
        }
        return SHA256.hex(hasher.finalize())
    }

    // MARK: one work unit

    private func process(_ name: UnitName, documents: [Document], textBytes: Int) throws(InputError) -> UnitRecord {
        let tokenizer = self.tokenizer
        let start = DispatchTime.now()
        let endOfText = parameters.tokenizer.endOfText, vocabulary = UInt32(tokenizer.vocabularySize), packed = options.packed
        for document in documents {
            if case .tokens(let ids) = document.content, let bad = ids.firstIndex(where: { $0 >= vocabulary }) {
                throw InputError("\(layout.entries[document.input].path): the document at byte \(document.offset) holds id \(ids[bad]) (its token \(bad)), at or beyond the tokenizer's \(vocabulary) ids; is --tokenizer the one these ids come from?")
            }
        }
        // A pre-tokenized document ends with end-of-text already or is given it, like a text.
        let encoded = parallelMap(documents.count, threads: options.threads) { i -> [UInt32] in
            switch documents[i].content {
            case .text(let text): return tokenizer.encode(text)
            case .tokens(let ids): return packed || ids.last != endOfText ? ids : Array(ids.dropLast())
            }
        }
        times.tokenize += seconds(since: start) * Double(min(options.threads, max(documents.count, 1)))

        var splits: [String: UnitSplit] = [:]
        for split in Split.allCases {
            let members = documents.indices.filter { Self.split(of: documents[$0], valFraction: options.valFraction) == split }
            var stream: [UInt32] = []
            let bos = parameters.tokenizer.beginningOfText
            stream.reserveCapacity(members.reduce(0) { $0 + encoded[$1].count + 2 })
            for i in members {
                // A training sample is a window already: nothing goes around it.
                if packed { stream += encoded[i]; continue }
                if let bos { stream.append(bos) }
                stream += encoded[i]
                stream.append(parameters.tokenizer.endOfText)
            }
            splits[split.rawValue] = try writeShard(split, unit: name, stream: stream, documents: members.count)
        }
        return UnitRecord(block: name.block, unit: name.index, textBytes: textBytes,
                          replacedSequences: 0, skippedLines: 0, splits: splits)
    }

    private struct EncodedFrame: Sendable {
        var bytes: Result<[UInt8], Zstd.Failure>
        var hapaxDropped: Int
        var detectSeconds: Double
        var compressSeconds: Double
    }

    private func writeShard(_ split: Split, unit: UnitName, stream: [UInt32], documents: Int) throws(InputError) -> UnitSplit {
        let seqLen = options.seqLen, length = seqLen + 1
        // Windows overlap by one token, so each target but the first has its predecessor in the same
        // window; training samples (--packed) lie side by side.
        let stride = options.packed ? length : seqLen
        let windows = stream.count >= length ? (stream.count - length) / stride + 1 : 0
        let used = windows > 0 ? (windows - 1) * stride + length : 0
        var result = UnitSplit(documents: documents, tokens: stream.count, windows: windows,
                               droppedTailTokens: stream.count - used, targets: windows * seqLen, hapaxDropped: 0, shard: nil)
        guard windows > 0 else { return result }

        let perFrame = options.windowsPerFrame, scope = options.scope, level = options.level, classes = classes?.map
        let endOfText = parameters.tokenizer.endOfText, width = parameters.tokenizer.tokenWidth
        let frameCount = (windows + perFrame - 1) / perFrame
        let frames = parallelMap(frameCount, threads: options.threads, scratch: { MatchLengthDetector() }) { detector, f -> EncodedFrame in
            let first = f * perFrame, last = min(first + perFrame, windows)
            var tokens: [UInt32] = []
            tokens.reserveCapacity((last - first) * length)
            for k in first..<last { tokens += stream[(k * stride)..<(k * stride + length)] }
            var matches = [UInt8](repeating: 0, count: tokens.count)
            var dropped = 0
            let detectStart = DispatchTime.now()
            tokens.withUnsafeBufferPointer { tokens in
                matches.withUnsafeMutableBufferPointer { matches in
                    for k in 0..<(last - first) {
                        let range = (k * length)..<((k + 1) * length)
                        detector.matchLengths(UnsafeBufferPointer(rebasing: tokens[range]), scope: scope, endOfText: endOfText,
                                              classes: classes, into: UnsafeMutableBufferPointer(rebasing: matches[range]))
                        dropped += MaskRule.hapax(n: 2).droppedCount(UnsafeBufferPointer(rebasing: matches[range]))
                    }
                }
            }
            let compressStart = DispatchTime.now()
            let bytes = Result { () throws(Zstd.Failure) in
                try ShardWriter.frame(tokens: tokens[...], matches: matches[...], tokenWidth: width, level: level)
            }
            return EncodedFrame(bytes: bytes, hapaxDropped: dropped,
                                detectSeconds: seconds(from: detectStart, to: compressStart),
                                compressSeconds: seconds(since: compressStart))
        }
        var encodedFrames: [[UInt8]] = []
        for frame in frames {
            switch frame.bytes {
            case .success(let bytes): encodedFrames.append(bytes)
            case .failure(let failure): throw InputError("compressing unit \(unit): \(failure)")
            }
            result.hapaxDropped += frame.hapaxDropped
            times.detect += frame.detectSeconds
            times.compress += frame.compressSeconds
        }
        times.detectedTokens += windows * length

        let header = ShardHeader(tokenWidth: width, vocabularySize: parameters.tokenizer.vocabSize, windowLength: length,
                                 windowCount: windows, windowsPerFrame: perFrame, frameCount: frameCount, fileSize: 0,
                                 tokenizerSHA256: SHA256.bytes(hex: parameters.tokenizer.sha256),
                                 scopeCode: scope == .window ? 0 : 1)
        let bytes = ShardWriter.assemble(header, frames: encodedFrames)
        let name = "\(split.rawValue)-\(unit).hapax"
        try write(bytes, to: path(name))
        result.shard = ShardEntry(file: name, windows: windows, bytes: bytes.count, sha256: SHA256.hex(of: bytes))
        return result
    }

    // MARK: the manifest

    static func manifest(parameters: RunParameters, records: [UnitRecord]) -> Manifest {
        var splits: [String: SplitSummary] = [:]
        for split in Split.allCases {
            let parts = records.compactMap { $0.splits[split.rawValue] }
            splits[split.rawValue] = SplitSummary(
                documents: parts.reduce(0) { $0 + $1.documents }, windows: parts.reduce(0) { $0 + $1.windows },
                targets: parts.reduce(0) { $0 + $1.targets }, hapaxDropped: parts.reduce(0) { $0 + $1.hapaxDropped },
                shards: parts.compactMap(\.shard))
        }
        let all = records.flatMap { $0.splits.values }
        let shardBytes = all.compactMap(\.shard).reduce(0) { $0 + $1.bytes }
        let targets = all.reduce(0) { $0 + $1.targets }
        let statistics = Statistics(
            documents: all.reduce(0) { $0 + $1.documents }, textBytes: records.reduce(0) { $0 + $1.textBytes },
            tokens: all.reduce(0) { $0 + $1.tokens }, droppedTailTokens: all.reduce(0) { $0 + $1.droppedTailTokens },
            replacedSequences: records.reduce(0) { $0 + $1.replacedSequences },
            skippedLines: records.reduce(0) { $0 + $1.skippedLines },
            hapaxDroppedShare: targets > 0 ? Double(all.reduce(0) { $0 + $1.hapaxDropped }) / Double(targets) : 0,
            shardBytes: shardBytes, bytesPerToken: targets > 0 ? Double(shardBytes) / Double(targets) : 0)
        return Manifest(format: Manifest.formatName, formatVersion: Int(ShardHeader.version), parameters: parameters,
                        units: records.count, splits: splits, statistics: statistics)
    }
}

public func seconds(from start: DispatchTime, to end: DispatchTime) -> Double {
    Double(end.uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
}

public func seconds(since start: DispatchTime) -> Double { seconds(from: start, to: .now()) }
