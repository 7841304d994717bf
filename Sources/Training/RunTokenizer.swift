import Foundation
import Shards
import Checksum

/// A run knows its tokenizer: the identity recorded in config.json and a copy of the file in the run
/// folder, so that ids are never read against another vocabulary and the run decodes on its own.
extension RunFolder {
    /// Copies the tokenizer of `folder` to `tokenizer/NAME` in the run and returns its identity there.
    public func adoptTokenizer(of folder: ShardFolder) throws(ShardError) -> TokenizerIdentity {
        var identity = folder.parameters.tokenizer
        let source = folder.file(identity.file)
        guard let bytes = FileManager.default.contents(atPath: source) else { throw ShardError("\(source): missing (the manifest names it)") }
        guard SHA256.hex(of: bytes) == identity.sha256 else {
            throw ShardError("\(source): sha256 differs from the manifest's tokenizer.sha256 \(identity.sha256)")
        }
        identity.file = "tokenizer/" + URL(fileURLWithPath: identity.file).lastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: file("tokenizer"), withIntermediateDirectories: true)
        } catch { throw ShardError("cannot create \(file("tokenizer")): \(error.localizedDescription)") }
        try AtomicFile.write(Array(bytes), to: file(identity.file))
        return identity
    }

    /// The run's copy of its tokenizer, when it is there and matches the recorded hash.
    public func tokenizerCopy(_ identity: TokenizerIdentity) -> String? {
        let path = file(identity.file)
        guard let bytes = FileManager.default.contents(atPath: path), SHA256.hex(of: bytes) == identity.sha256 else { return nil }
        return path
    }
}

/// How a shard folder's tokenizer relates to a run's.
public enum TokenizerAgreement: Equatable {
    case same
    /// The run records no tokenizer (made by an older hapax): nothing can be checked.
    case unknown
    case different(String)

    public init(run: RunFolder, config: RunConfig, shards folder: ShardFolder) {
        guard let mine = config.tokenizer else {
            self = .unknown
            return
        }
        let theirs = folder.parameters.tokenizer
        if mine.sha256 == theirs.sha256 {
            self = .same
        } else {
            self = .different("\(folder.file(Manifest.fileName)) was made with tokenizer \(theirs.file) (sha256 \(theirs.sha256)), "
                + "but the run \(run.file("config.json")) was trained with \(mine.file) (sha256 \(mine.sha256)): "
                + "their token ids mean other tokens")
        }
    }
}
