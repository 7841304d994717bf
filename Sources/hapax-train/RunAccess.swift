import ArgumentParser
import Foundation
import Shards
import Tokenization
import Training

/// A trained run: its config, and its weights in a model of batch size `batch` split over `threads`.
struct LoadedRun {
    let folder: RunFolder
    let config: RunConfig
    let model: ReplicatedGPT

    init(_ path: String, batch: Int, threads: Int) throws {
        folder = RunFolder(path: path)
        do {
            config = try ManifestJSON.decode(RunConfig.self, from: folder.file("config.json"))
            model = ReplicatedGPT(config: config.model, batch: batch, threads: threads)
            try RunFolder.load(SafeTensors.read(folder.file("model.safetensors")), into: model.parameters, layout: model.layout,
                               prefix: "", source: folder.file("model.safetensors"))
        } catch {
            throw CommandError(error.description)
        }
    }

    /// The optimizer step of the weights, from the newest checkpoint.
    var step: Int? { folder.completeCheckpoints().last.flatMap { Int($0.dropFirst("step-".count)) } }

    /// A shard folder checked against the run: the same context, vocabulary and tokenizer. With
    /// `allowOtherTokenizer` a different tokenizer is only warned about.
    func shards(_ path: String?, allowOtherTokenizer: Bool) throws -> ShardFolder {
        let path = path ?? config.training.data
        do {
            let shards = try ShardFolder(path: path)
            let parameters = shards.parameters
            guard parameters.seqLen == config.model.context, parameters.tokenizer.vocabSize == config.model.vocabSize else {
                throw CommandError("\(path): seq_len \(parameters.seqLen) and vocabulary \(parameters.tokenizer.vocabSize) do not match the run's context \(config.model.context) and vocabulary \(config.model.vocabSize)")
            }
            try Self.checkTokenizer(run: folder, config: config, shards: shards, allowOther: allowOtherTokenizer)
            return shards
        } catch let error as ShardError {
            throw CommandError(error.description)
        }
    }

    static func checkTokenizer(run folder: RunFolder, config: RunConfig, shards: ShardFolder, allowOther: Bool) throws {
        switch TokenizerAgreement(run: folder, config: config, shards: shards) {
        case .same: break
        case .unknown:
            printError("warning: \(folder.file("config.json")) records no tokenizer (made by an older hapax): cannot check that \(shards.path) was made with the run's tokenizer")
        case .different(let message):
            guard allowOther else { throw CommandError(message + " (--allow-other-tokenizer reads them anyway)") }
            printError("warning: " + message)
        }
    }

    /// The run's own tokenizer: its copy in the run folder, or, for runs that have none, the tokenizer
    /// of the shard folder it trained on (checked against the recorded identity when there is one).
    func tokenizer() throws -> Tokenizer {
        if let identity = config.tokenizer, let path = folder.tokenizerCopy(identity) {
            return try loadTokenizer(path, pattern: identity.pattern)
        }
        let shards: ShardFolder
        do { shards = try ShardFolder(path: config.training.data) } catch {
            throw CommandError("\(folder.path) has no copy of its tokenizer, and its shard folder cannot be read: \(error.description)")
        }
        try Self.checkTokenizer(run: folder, config: config, shards: shards, allowOther: false)
        let identity = shards.parameters.tokenizer
        return try loadTokenizer(shards.file(identity.file), pattern: identity.pattern)
    }
}

private func loadTokenizer(_ path: String, pattern: String) throws -> Tokenizer {
    do { return try Tokenizer.load(path: path, pattern: PreTokenizer(rawValue: pattern)) } catch { throw CommandError(error.description) }
}

/// Shared by every command that reads a run together with shards.
struct TokenizerOption: ParsableArguments {
    @Flag(help: "Read shards made with another tokenizer than the run's. The ids then stand for other tokens, so losses and samples are meaningless unless the two vocabularies agree.")
    var allowOtherTokenizer = false
}
