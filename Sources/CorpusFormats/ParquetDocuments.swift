import Parquet
import Tokenization

/// The rows of a Parquet file whose row groups start in a piece: one document per non-empty value of
/// the text column, its offset the row's index in the file, its block the one holding its row group's
/// first byte. Nulls are skipped and counted. A 0-byte file is an empty input, which holds no
/// document whatever its format. Rows come from the reader in runs (of nulls, or of one value), so a
/// run of a million nulls is counted at once.
struct ParquetDocuments: DocumentSource {
    private let column: ParquetTextColumn?
    private let input: Int
    private let layout: InputLayout
    private let strict: Bool
    private let maximumDocumentBytes: Int
    private var groups: [Int]
    private var rows: ParquetTextColumn.Rows?
    /// The rows of a run of one non-empty value that are still to be given, one document each.
    private var pending: (row: Int, count: Int, value: ArraySlice<UInt8>)?
    private(set) var consumed = 0

    init(layout: InputLayout, piece: InputLayout.Piece, textField: String, strict: Bool, maximumDocumentBytes: Int) throws(InputError) {
        let path = layout.entries[piece.input].path
        guard path != standardInputPath else { throw InputError("standard input: a Parquet file must be a file, since its footer is read first") }
        guard Compression(path: path) == .none else {
            throw InputError("\(path): a compressed Parquet file; Parquet compresses its own pages, so decompress it first")
        }
        if fileSize(path) == 0 {
            column = nil
        } else {
            do { column = try ParquetTextColumn(path: path, column: textField) } catch { throw InputError(error.description) }
        }
        groups = column.map { column in column.groups.indices.filter { piece.lineStarts?.contains(column.groups[$0].firstByte) ?? true } } ?? []
        input = piece.input
        self.layout = layout
        self.strict = strict
        self.maximumDocumentBytes = maximumDocumentBytes
    }

    mutating func next(skipped: inout [Int: Int]) throws(InputError) -> Document? {
        while let index = groups.first, let column {
            let group = column.groups[index], entry = layout.entries[input]
            let block = layout.block(at: entry.start + group.firstByte)
            if let run = pending {
                pending = run.count > 1 ? (run.row + 1, run.count - 1, run.value) : nil
                return try document(column, row: run.row, value: run.value, block: block)
            }
            if rows == nil { rows = column.rows(of: index) }
            let next: (row: Int, count: Int, value: ArraySlice<UInt8>?)?
            do { next = try rows!.nextRun() } catch { throw InputError(error.description) }
            guard let (row, count, value) = next else {
                consumed += (groups.count > 1 ? column.groups[groups[1]].firstByte : entry.bytes) - group.firstByte
                groups.removeFirst()
                rows = nil
                continue
            }
            guard let value else {
                skipped[block, default: 0] += count
                continue
            }
            if !value.isEmpty { pending = (row, count, value) }
        }
        return nil
    }

    private func document(_ column: ParquetTextColumn, row: Int, value: ArraySlice<UInt8>, block: Int) throws(InputError) -> Document {
        let place = "\(column.path) (row \(row))"
        let text = UTF8Input(value)
        if let offset = text.firstInvalidOffset, strict {
            throw InputError("\(place): invalid UTF-8 at byte \(offset) of the text (drop --strict to replace it with U+FFFD)")
        }
        if text.text.utf8.count > maximumDocumentBytes { throw documentTooLong(place, text.text.utf8.count, maximumDocumentBytes) }
        return Document(content: .text(text.text), block: block, input: input, offset: row, replacements: text.replacements)
    }
}
