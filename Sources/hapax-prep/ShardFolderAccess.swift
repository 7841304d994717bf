import ArgumentParser
import Foundation
import Shards
import Tokenization
import Checksum

func openFolder(_ path: String) throws -> ShardFolder {
    do { return try ShardFolder(path: path) } catch { throw CommandError(error.description) }
}

/// The tokenizer copied into a shard folder, checked against the manifest's identity.
func folderTokenizer(_ folder: ShardFolder) throws -> Tokenizer {
    let identity = folder.parameters.tokenizer
    let path = folder.file(identity.file)
    guard let bytes = FileManager.default.contents(atPath: path) else { throw CommandError("\(path): missing (the manifest names it)") }
    guard SHA256.hex(of: bytes) == identity.sha256 else {
        throw CommandError("\(path): sha256 differs from the manifest's tokenizer.sha256 \(identity.sha256)")
    }
    return try loadTokenizer(path, pattern: PreTokenizer(rawValue: identity.pattern))
}

extension Split: ExpressibleByArgument {}
