import Foundation
import Shards
import Checksum

/// Where a training run stands: enough, with the weights and the optimizer's moments, to continue
/// exactly as if never stopped.
public struct TrainerState: SelfChecked, Equatable, Sendable {
    public var step: Int
    public var epoch: Int
    public var cursor: Int
    public var adamSteps: Int
    /// SHA-256 of the checkpoint's model.safetensors and optimizer.safetensors, and of this record
    /// itself; absent in checkpoints of older runs, which are read unchecked.
    public var modelSha256: String?
    public var optimizerSha256: String?
    public var checksum: String?

    public init(step: Int, epoch: Int, cursor: Int, adamSteps: Int) {
        self.step = step
        self.epoch = epoch
        self.cursor = cursor
        self.adamSteps = adamSteps
    }
}

/// A run folder's checkpoint files. Each save writes a complete checkpoint folder under a temporary
/// name and renames it to `checkpoints/step-NNNNNNN` (a folder appears whole or not at all), then
/// refreshes the run's `model.safetensors` the same way; the two newest checkpoints are kept.
public struct RunFolder {
    public let path: String

    public init(path: String) { self.path = path }

    public func file(_ relative: String) -> String { URL(fileURLWithPath: path).appendingPathComponent(relative).path }

    public var checkpoints: String { file("checkpoints") }

    public func save(model: GPT, optimizer: AdamW, state: TrainerState) throws(ShardError) {
        let fileManager = FileManager.default
        let name = String(format: "step-%07d", state.step)
        let temporary = "\(checkpoints)/\(name).tmp-\(ProcessInfo.processInfo.processIdentifier)"
        do {
            try fileManager.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        } catch { throw ShardError("cannot create \(temporary): \(error.localizedDescription)") }
        let weights = Self.weights(model, step: state.step), moments = Self.moments(model.layout, optimizer)
        try AtomicFile.write(weights, to: "\(temporary)/model.safetensors")
        try AtomicFile.write(moments, to: "\(temporary)/optimizer.safetensors")
        var sealed = state
        sealed.modelSha256 = SHA256.hex(of: weights)
        sealed.optimizerSha256 = SHA256.hex(of: moments)
        try AtomicFile.write(ManifestJSON.encodeChecked(sealed), to: "\(temporary)/trainer.json")
        let final = "\(checkpoints)/\(name)"
        try? fileManager.removeItem(atPath: final)
        guard rename(temporary, final) == 0 else { throw ShardError("cannot rename \(temporary) to \(final): \(String(cString: strerror(errno)))") }
        try AtomicFile.syncFolder(of: final)
        try AtomicFile.write(weights, to: file("model.safetensors"))
        for old in completeCheckpoints().dropLast(2) { try? fileManager.removeItem(atPath: "\(checkpoints)/\(old)") }
    }

    /// Writes the run's `model.safetensors` from `model`. A resumed run calls it after restoring: a run
    /// killed between a checkpoint's rename and this refresh left the previous weights there, and a
    /// run restored at its last step would otherwise never write them again.
    public func publish(model: GPT, step: Int) throws(ShardError) {
        try AtomicFile.write(Self.weights(model, step: step), to: file("model.safetensors"))
    }

    /// Names of complete checkpoint folders, oldest first (by step number: `step-10000000` comes
    /// after `step-9999999`, which a sort by name would not give).
    public func completeCheckpoints() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: checkpoints)) ?? []
        return names.compactMap { name in Int(name.dropFirst("step-".count)).map { (name, $0) } }
            .filter { $0.0.hasPrefix("step-") }.sorted { $0.1 < $1.1 }.map(\.0)
    }

    /// Loads the newest intact checkpoint into `model` and `optimizer`. A damaged checkpoint (its
    /// files do not match the hashes its trainer.json records, or that record its own checksum) is
    /// passed over for the one before it, and named in `skipped`.
    public func restore(model: GPT, optimizer: AdamW) throws(ShardError) -> (state: TrainerState, skipped: [String]) {
        let names = completeCheckpoints()
        guard !names.isEmpty else { throw ShardError("\(path): no checkpoint to resume from") }
        var skipped: [String] = []
        for name in names.reversed() {
            do {
                return (try load(checkpoint: "\(checkpoints)/\(name)", model: model, optimizer: optimizer), skipped)
            } catch {
                skipped.append(error.description)
            }
        }
        throw ShardError("\(path): no intact checkpoint to resume from: \(skipped.joined(separator: "; "))")
    }

    private func load(checkpoint folder: String, model: GPT, optimizer: AdamW) throws(ShardError) -> TrainerState {
        let record = "\(folder)/trainer.json"
        let unchecked = try ManifestJSON.decode(TrainerState.self, from: record)
        let sealed = unchecked.checksum != nil || unchecked.modelSha256 != nil
        let state = sealed ? try ManifestJSON.decodeChecked(TrainerState.self, from: record) : unchecked
        for (file, expected) in [("model.safetensors", state.modelSha256), ("optimizer.safetensors", state.optimizerSha256)] where sealed {
            guard let bytes = FileManager.default.contents(atPath: "\(folder)/\(file)") else { throw ShardError("\(folder)/\(file): cannot read") }
            guard SHA256.hex(of: bytes) == expected else {
                throw ShardError("\(folder)/\(file): its SHA-256 differs from the one trainer.json records (the file is damaged)")
            }
        }
        try Self.load(SafeTensors.read("\(folder)/model.safetensors"), into: model.parameters, layout: model.layout, prefix: "", source: folder)
        let moments = try SafeTensors.read("\(folder)/optimizer.safetensors")
        try Self.load(moments, into: optimizer.firstMoment, layout: model.layout, prefix: "exp_avg.", source: folder)
        try Self.load(moments, into: optimizer.secondMoment, layout: model.layout, prefix: "exp_avg_sq.", source: folder)
        optimizer.stepCount = state.adamSteps
        return state
    }

    static func weights(_ model: GPT, step: Int) -> [UInt8] {
        let entries = model.layout.tensors.map { tensor in
            SafeTensors.Entry(name: tensor.name, shape: tensor.shape,
                              values: UnsafeBufferPointer(start: model.parameters.pointer + tensor.offset, count: tensor.count))
        }
        return SafeTensors.encode(entries, metadata: ["format": "pt", "step": String(step),
                                                      "tied_embeddings": String(model.config.tiedEmbeddings)])
    }

    static func moments(_ layout: ParameterLayout, _ optimizer: AdamW) -> [UInt8] {
        var entries: [SafeTensors.Entry] = []
        for (prefix, buffer) in [("exp_avg.", optimizer.firstMoment), ("exp_avg_sq.", optimizer.secondMoment)] {
            for tensor in layout.tensors {
                entries.append(SafeTensors.Entry(name: prefix + tensor.name, shape: tensor.shape,
                                                 values: UnsafeBufferPointer(start: buffer.pointer + tensor.offset, count: tensor.count)))
            }
        }
        return SafeTensors.encode(entries)
    }

    /// Copies the tensors of `file` into `buffer`; every tensor of the layout must be there with its shape.
    public static func load(_ file: SafeTensors.File, into buffer: FloatBuffer, layout: ParameterLayout, prefix: String, source: String) throws(ShardError) {
        for tensor in layout.tensors {
            guard let stored = file.tensors[prefix + tensor.name] else { throw ShardError("\(source): tensor \(prefix + tensor.name) is missing") }
            guard stored.shape == tensor.shape else {
                throw ShardError("\(source): tensor \(prefix + tensor.name) has shape \(stored.shape), the model needs \(tensor.shape)")
            }
            stored.values.withUnsafeBufferPointer { (buffer.pointer + tensor.offset).update(from: $0.baseAddress!, count: tensor.count) }
        }
    }
}
