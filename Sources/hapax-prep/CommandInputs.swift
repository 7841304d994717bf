// What commands read: files or standard input as bytes or text, and tokenizer files.
import ArgumentParser
import Foundation
import CorpusFormats
import Preprocessing
import Tokenization

/// Reads a file, or standard input for `-`.
func readInput(_ path: String) throws -> [UInt8] {
    if path == "-" { return Array(FileHandle.standardInput.readDataToEndOfFile()) }
    do {
        return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    } catch {
        throw CommandError("cannot read \(path): \((error as NSError).localizedFailureReason ?? error.localizedDescription)")
    }
}

/// Reads a file as text under the invalid UTF-8 policy: replace and count, or fail when `strict`.
func readText(_ path: String, strict: Bool) throws -> UTF8Input {
    let bytes = try readInput(path)
    if let refusal = BinaryContent.refusal(path, head: bytes.prefix(BinaryContent.blockBytes), nulIsBinary: false) {
        throw CommandError(refusal.description)
    }
    let input = UTF8Input(bytes)
    if strict, let offset = input.firstInvalidOffset {
        throw CommandError("\(path == "-" ? "standard input" : path): invalid UTF-8 at byte \(offset) (drop --strict to replace such bytes with U+FFFD)")
    }
    return input
}

func loadTokenizer(_ path: String, pattern: PreTokenizer?) throws -> Tokenizer {
    do { return try Tokenizer.load(path: path, pattern: pattern) } catch { throw CommandError(error.description) }
}

extension PreTokenizer: ExpressibleByArgument {}
