import Foundation
import TokenFiles
import Tokenization

/// One document and where it comes from.
public struct Document: Sendable {
    public enum Content: Sendable {
        case text(String)
        /// The ids of a pre-tokenized input (a Megatron dataset, a token memmap), not yet checked
        /// against the tokenizer's vocabulary.
        case tokens([UInt32])
    }

    public let content: Content
    /// The block of the input layout it belongs to.
    public let block: Int
    /// Its input's index in the run's input list, and the byte where it starts in that input's
    /// (decompressed) content; together they decide its split.
    public let input: Int
    public let offset: Int
    /// Invalid UTF-8 sequences replaced by U+FFFD in it.
    public let replacements: Int

    /// Its text, nil for a pre-tokenized document.
    public var text: String? {
        if case .text(let text) = content { return text }
        return nil
    }

    /// What a work unit's size counts: the UTF-8 bytes of a text, 4 bytes per id.
    public var size: Int {
        switch content {
        case .text(let text): text.utf8.count
        case .tokens(let ids): 4 * ids.count
        }
    }
}

/// Reads documents from pieces of the inputs in order, streaming: plain-text files are one document
/// each; JSON Lines files give one document per line, the string under `textField`; the other formats
/// come from their `DocumentSource` (Parquet rows, Megatron and token-file documents).
///
/// Policies: invalid UTF-8 is replaced by U+FFFD and counted, or is an error when `strict`. A JSON
/// line that does not parse, or lacks a string `textField`, and a Parquet row whose value is null,
/// are skipped and counted in the block holding them; the JSON line is an error when `strict`. Empty
/// inputs, blank lines and empty texts are not documents: an empty input holds no document, whatever
/// its format. A document longer than
/// `maximumDocumentBytes` is an error, since memory stays bounded only if documents are.
public final class CorpusReader {
    public let layout: InputLayout
    public let pieces: [InputLayout.Piece]
    public let textField: String
    public let strict: Bool
    public let maximumDocumentBytes: Int

    /// Input bytes consumed (compressed bytes for compressed files), for progress.
    public var consumedBytes: Int { finishedPiecesBytes + (stream?.consumed ?? source?.consumed ?? 0) }

    private var skippedByBlock: [Int: Int] = [:]
    private var pieceIndex = -1
    private var stream: (any ByteStream)?
    private var finishedPiecesBytes = 0
    private var buffer: [UInt8] = []
    private var bufferStart = 0
    /// Where `buffer[0]` lies in the input's content.
    private var bufferOffset = 0
    /// Lines read so far, when the piece began at the start of its input (else line numbers are unknown).
    private var lineNumber: Int?
    private var endOfFile = false
    /// The piece being read when its format is not text or JSON Lines.
    private var source: (any DocumentSource)?
    /// How pre-tokenized inputs are read; nil when there are none.
    public let tokenOptions: TokenInputOptions?
    /// The length of a training sample when a Megatron dataset's sequences are read one by one, as the
    /// samples they are (`shard --packed`), rather than as documents; nil otherwise.
    public let sampleLength: Int?

    public init(layout: InputLayout, pieces: [InputLayout.Piece], textField: String = "text", strict: Bool = false,
                tokenOptions: TokenInputOptions? = nil, sampleLength: Int? = nil, maximumDocumentBytes: Int) {
        self.layout = layout
        self.tokenOptions = tokenOptions
        self.sampleLength = sampleLength
        self.pieces = pieces
        self.textField = textField
        self.strict = strict
        self.maximumDocumentBytes = maximumDocumentBytes
    }

    /// Every document of `files`, read whole, in order.
    public convenience init(files: [String], format: FormatChoice = .auto, textField: String = "text", strict: Bool = false,
                            maximumDocumentBytes: Int) {
        let layout = InputLayout(inputs: files.map { ($0, 0) }, format: format, blockBytes: Int.max)
        self.init(layout: layout, pieces: files.indices.map { InputLayout.Piece(input: $0, lineStarts: nil) },
                  textField: textField, strict: strict, maximumDocumentBytes: maximumDocumentBytes)
    }

    /// Lines skipped in `block` since the last call for it.
    public func takeSkippedLines(block: Int) -> Int { skippedByBlock.removeValue(forKey: block) ?? 0 }

    /// Lines skipped and not yet taken, in blocks that gave no document.
    public var untakenSkippedLines: Int { skippedByBlock.values.reduce(0, +) }

    public func next() throws(InputError) -> Document? {
        while true {
            if stream == nil && source == nil {
                pieceIndex += 1
                guard pieceIndex < pieces.count else { return nil }
                try open(pieces[pieceIndex])
            }
            let piece = pieces[pieceIndex], entry = layout.entries[piece.input]
            let document: Document?
            switch entry.format {
            case .plainText: document = try wholeFile(piece.input)
            case .jsonLines: document = try nextLine(piece)
            case .parquet, .megatron, .tokens: document = try source!.next(skipped: &skippedByBlock)
            }
            if let document { return document }
            finishedPiecesBytes += stream?.consumed ?? source?.consumed ?? 0
            stream = nil
            source = nil
        }
    }

    private func open(_ piece: InputLayout.Piece) throws(InputError) {
        let entry = layout.entries[piece.input], path = entry.path
        switch entry.format {
        case .parquet:
            source = try ParquetDocuments(layout: layout, piece: piece, textField: textField, strict: strict, maximumDocumentBytes: maximumDocumentBytes)
            return
        case .megatron:
            source = try MegatronDocuments(layout: layout, piece: piece, sampleLength: sampleLength, maximumDocumentBytes: maximumDocumentBytes)
            return
        case .tokens:
            guard let tokenOptions else { throw InputError("\(path): a token file needs --dtype and a tokenizer's end-of-text id") }
            source = try MemmapDocuments(layout: layout, piece: piece, options: tokenOptions, maximumDocumentBytes: maximumDocumentBytes)
            return
        case .plainText, .jsonLines:
            break
        }
        let first = piece.lineStarts?.lowerBound ?? 0
        // A line starts at byte 0 or after a newline, so the piece's first line is the one after the
        // newline at or past byte `first - 1`: read from there and skip up to that newline (which may
        // be byte `first - 1` itself, leaving an empty line to skip).
        let from = max(first - 1, 0)
        stream = try openStream(path, from: from)
        buffer = []
        bufferStart = 0
        bufferOffset = from
        endOfFile = false
        lineNumber = first == 0 ? 0 : nil
        if first > 0 { _ = try readLine(path) }
    }

    /// The rule on document length applies to the text, whatever its encoding in the file was.
    private func document(_ text: String, input: Int, offset: Int, replacements: Int, _ place: String) throws(InputError) -> Document {
        if text.utf8.count > maximumDocumentBytes { throw documentTooLong(place, text.utf8.count, maximumDocumentBytes) }
        return Document(content: .text(text), block: block(input: input, offset: offset), input: input, offset: offset, replacements: replacements)
    }

    private func block(input: Int, offset: Int) -> Int {
        let entry = layout.entries[input]
        return layout.block(at: entry.divisible ? entry.start + offset : entry.start)
    }

    /// Lines are held whole in memory, so they are bounded too; JSON escapes take at most six bytes
    /// for each byte of text, so a line within this bound can hold any document within the rule.
    private var maximumLineBytes: Int { 6 * maximumDocumentBytes + (1 << 20) }

    private func tooLong(_ place: String, _ size: Int) -> InputError { documentTooLong(place, size, maximumDocumentBytes) }

    /// The whole file as one document, or nil once it has been returned.
    private func wholeFile(_ input: Int) throws(InputError) -> Document? {
        if endOfFile { return nil }
        let name = inputName(layout.entries[input].path)
        var bytes: [UInt8] = []
        while let chunk = try stream!.next() {
            bytes += chunk
            // Replacement characters can only make the text longer than its bytes.
            if bytes.count > maximumDocumentBytes { throw tooLong(name, bytes.count) }
        }
        endOfFile = true
        if bytes.isEmpty { return nil }
        let text = UTF8Input(bytes[...])
        if let offset = text.firstInvalidOffset, strict {
            throw InputError("\(name): invalid UTF-8 at byte \(offset) (drop --strict to replace it with U+FFFD)")
        }
        return try document(text.text, input: input, offset: 0, replacements: text.replacements, name)
    }

    /// The next document of a JSON Lines piece, or nil at its end.
    private func nextLine(_ piece: InputLayout.Piece) throws(InputError) -> Document? {
        let path = layout.entries[piece.input].path
        while true {
            let start = bufferOffset + bufferStart
            if let lineStarts = piece.lineStarts, start >= lineStarts.upperBound { return nil }
            guard let line = try readLine(path) else { return nil }
            lineNumber? += 1
            var content = line
            if content.last == UInt8(ascii: "\r") { content = content.dropLast() }
            if content.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            let place = lineNumber.map { "\(inputName(path)):\($0)" } ?? "\(inputName(path)) (the line at byte \(start))"
            let input = UTF8Input(content)
            if let offset = input.firstInvalidOffset, strict {
                throw InputError("\(place): invalid UTF-8 at byte \(offset) of the line (drop --strict to replace it with U+FFFD)")
            }
            let object = try? JSONSerialization.jsonObject(with: Data(input.text.utf8), options: [.fragmentsAllowed])
            guard let fields = object as? [String: Any] else {
                if strict { throw InputError("\(place): not a JSON object (drop --strict to skip such lines)") }
                skippedByBlock[block(input: piece.input, offset: start), default: 0] += 1
                continue
            }
            guard let text = fields[textField] as? String else {
                if strict { throw InputError("\(place): no string field \"\(textField)\" (drop --strict to skip such lines, or set --text-field)") }
                skippedByBlock[block(input: piece.input, offset: start), default: 0] += 1
                continue
            }
            if text.isEmpty { continue }
            return try document(text, input: piece.input, offset: start, replacements: input.replacements, place)
        }
    }

    private func lineTooLong(_ path: String, _ size: Int) -> InputError {
        let place = lineNumber.map { "\(inputName(path)):\($0 + 1)" } ?? "\(inputName(path)) (the line at byte \(bufferOffset + bufferStart))"
        return InputError("\(place): a line of \(size) bytes or more is longer than any document a work unit takes (\(maximumLineBytes) bytes with JSON escapes); raise --unit-size")
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
            bufferOffset += bufferStart
            bufferStart = 0
            searchFrom = buffer.count
            if let chunk = try stream!.next() { buffer += chunk } else { endOfFile = true }
        }
    }
}

/// The rule on document length broken: memory stays bounded only if documents are.
func documentTooLong(_ place: String, _ size: Int, _ maximum: Int) -> InputError {
    InputError("\(place): a document of \(size) bytes or more is longer than a work unit (\(maximum) bytes); raise --unit-size")
}
