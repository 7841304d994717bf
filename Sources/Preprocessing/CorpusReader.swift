import Foundation
import Tokenization

/// One document, numbered in input order across all files.
public struct Document: Sendable {
    public let text: String
    public let index: Int
}

/// Reads documents from the input files in order, streaming: plain-text files are one document each;
/// JSON Lines files give one document per line, the string under `textField`.
///
/// Policies: invalid UTF-8 is replaced by U+FFFD and counted, or is an error when `strict`. A JSON
/// line that does not parse, or lacks a string `textField`, is skipped and counted, or is an error
/// when `strict`. Blank lines are not documents. A document longer than `maximumDocumentBytes` is an
/// error, since memory stays bounded only if documents are.
public final class CorpusReader {
    public let files: [String]
    public let textField: String
    public let strict: Bool
    public let maximumDocumentBytes: Int

    public private(set) var replacedSequences = 0
    public private(set) var skippedLines = 0
    /// Input bytes consumed (compressed bytes for compressed files), for progress.
    public var consumedBytes: Int { finishedFilesBytes + (stream?.consumed ?? 0) }

    private var fileIndex = -1
    private var stream: (any ByteStream)?
    private var finishedFilesBytes = 0
    private var buffer: [UInt8] = []
    private var bufferStart = 0
    private var lineNumber = 0
    private var endOfFile = false
    private var nextIndex = 0

    public init(files: [String], textField: String = "text", strict: Bool = false, maximumDocumentBytes: Int) {
        self.files = files
        self.textField = textField
        self.strict = strict
        self.maximumDocumentBytes = maximumDocumentBytes
    }

    public func next() throws(InputError) -> Document? {
        while true {
            if stream == nil {
                fileIndex += 1
                guard fileIndex < files.count else { return nil }
                stream = try openStream(files[fileIndex])
                buffer = []
                bufferStart = 0
                lineNumber = 0
                endOfFile = false
            }
            let path = files[fileIndex]
            let document: Document?
            switch InputFormat(path: path) {
            case .plainText: document = try wholeFile(path)
            case .jsonLines: document = try nextLine(path)
            }
            if let document { return document }
            finishedFilesBytes += stream!.consumed
            stream = nil
        }
    }

    private func makeDocument(_ bytes: ArraySlice<UInt8>, _ place: String) throws(InputError) -> Document {
        let input = UTF8Input(bytes)
        if let offset = input.firstInvalidOffset {
            if strict { throw InputError("\(place): invalid UTF-8 at byte \(offset) (drop --strict to replace it with U+FFFD)") }
            replacedSequences += input.replacements
        }
        return try document(input.text, place)
    }

    /// The rule on document length applies to the text, whatever its encoding in the file was.
    private func document(_ text: String, _ place: String) throws(InputError) -> Document {
        if text.utf8.count > maximumDocumentBytes { throw tooLong(place, text.utf8.count) }
        defer { nextIndex += 1 }
        return Document(text: text, index: nextIndex)
    }

    /// Lines are held whole in memory, so they are bounded too; JSON escapes take at most six bytes
    /// for each byte of text, so a line within this bound can hold any document within the rule.
    private var maximumLineBytes: Int { 6 * maximumDocumentBytes + (1 << 20) }

    private func tooLong(_ place: String, _ size: Int) -> InputError {
        InputError("\(place): a document of \(size) bytes or more is longer than a work unit (\(maximumDocumentBytes) bytes); raise --unit-size")
    }

    /// The whole file as one document, or nil once it has been returned.
    private func wholeFile(_ path: String) throws(InputError) -> Document? {
        if endOfFile { return nil }
        var bytes: [UInt8] = []
        while let chunk = try stream!.next() {
            bytes += chunk
            // Replacement characters can only make the text longer than its bytes.
            if bytes.count > maximumDocumentBytes { throw tooLong(path, bytes.count) }
        }
        endOfFile = true
        return try makeDocument(bytes[...], path)
    }

    /// The next document of a JSON Lines file, or nil at its end.
    private func nextLine(_ path: String) throws(InputError) -> Document? {
        while true {
            guard let line = try readLine(path) else { return nil }
            lineNumber += 1
            var content = line
            if content.last == UInt8(ascii: "\r") { content = content.dropLast() }
            if content.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            let place = "\(path):\(lineNumber)"
            let input = UTF8Input(content)
            if let offset = input.firstInvalidOffset, strict {
                throw InputError("\(place): invalid UTF-8 at byte \(offset) of the line (drop --strict to replace it with U+FFFD)")
            }
            let object = try? JSONSerialization.jsonObject(with: Data(input.text.utf8), options: [.fragmentsAllowed])
            guard let fields = object as? [String: Any] else {
                if strict { throw InputError("\(place): not a JSON object (drop --strict to skip such lines)") }
                skippedLines += 1
                continue
            }
            guard let text = fields[textField] as? String else {
                if strict { throw InputError("\(place): no string field \"\(textField)\" (drop --strict to skip such lines, or set --text-field)") }
                skippedLines += 1
                continue
            }
            replacedSequences += input.replacements
            return try document(text, place)
        }
    }

    private func lineTooLong(_ path: String, _ size: Int) -> InputError {
        InputError("\(path):\(lineNumber + 1): a line of \(size) bytes or more is longer than any document a work unit takes (\(maximumLineBytes) bytes with JSON escapes); raise --unit-size")
    }

    /// The next line without its newline, or nil at the end of the file.
    private func readLine(_ path: String) throws(InputError) -> ArraySlice<UInt8>? {
        var searchFrom = bufferStart
        while true {
            if let newline = buffer[searchFrom...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = buffer[bufferStart..<newline]
                if line.count > maximumLineBytes { throw lineTooLong(path, line.count) }
                bufferStart = newline + 1
                return line
            }
            if endOfFile {
                guard bufferStart < buffer.count else { return nil }
                let line = buffer[bufferStart...]
                if line.count > maximumLineBytes { throw lineTooLong(path, line.count) }
                bufferStart = buffer.count
                return line
            }
            if buffer.count - bufferStart > maximumLineBytes { throw lineTooLong(path, buffer.count - bufferStart) }
            buffer.removeFirst(bufferStart)
            bufferStart = 0
            searchFrom = buffer.count
            if let chunk = try stream!.next() { buffer += chunk } else { endOfFile = true }
        }
    }
}
