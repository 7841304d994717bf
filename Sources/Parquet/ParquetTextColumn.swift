import CZlib
import Foundation

/// One UTF-8 string column of a Parquet file, read row group by row group and page by page, so that
/// memory holds one page (and the column chunk's dictionary) whatever the row group's size.
///
/// A Parquet file is `PAR1`, the column chunks of each row group, the footer (a Thrift compact
/// `FileMetaData`, see `ParquetMetadata.swift`), the footer's length as 4 little-endian bytes, and
/// `PAR1`. A column chunk is a run of pages, each a Thrift `PageHeader` followed by its data: at most
/// one dictionary page first, then data pages. The column read must be a top-level field of type
/// BYTE_ARRAY with the String logical type (or the UTF8 converted type), REQUIRED or OPTIONAL; an
/// OPTIONAL column's pages start with its definition levels (RLE / bit-packed hybrid of width 1, after
/// a 4-byte length in a v1 page, uncompressed and of the header's length in a v2 page), and a level
/// of 0 is a null. Every size, offset and count read from the file is checked against the file
/// before it is used, in arithmetic that cannot overflow; errors name the row group and page. A page's
/// value count is bounded by its column chunk's, not by its bytes (an RLE run stores any count in a
/// few bytes): rows are kept and given as runs of nulls or of one value, so such a run costs what it
/// costs in the file. The footer's `num_rows` must be the row groups' sum, and each row group's chunk
/// must hold one value per row; a row group of no rows is skipped (pyarrow writes its chunk at offset 0).
public final class ParquetTextColumn {
    /// A row group that holds rows (an empty one has nothing to read, and no place).
    public struct Group: Sendable {
        /// Its index among the file's row groups.
        public let index: Int
        /// The byte where the row group's first column chunk starts.
        public let firstByte: Int
        /// The index in the file of its first row, and its number of rows.
        public let firstRow: Int
        public let rows: Int
    }

    public let path: String
    public let column: String
    public let groups: [Group]
    private let chunks: [ColumnChunk]
    private let optional: Bool
    private let handle: FileHandle
    private let size: Int

    /// No page is read into memory larger than this (real writers make pages of about 1 MiB).
    public static let maximumPageBytes = 1 << 30
    static let maximumHeaderBytes = 16 << 20

    public init(path: String, column: String) throws(ParquetError) {
        self.path = path
        self.column = column
        guard let handle = FileHandle(forReadingAtPath: path) else { throw ParquetError("\(path): cannot open") }
        self.handle = handle
        let size: Int
        do { size = Int(try handle.seekToEnd()) } catch { throw ParquetError("\(path): cannot read its size") }
        self.size = size
        func read(_ offset: Int, _ count: Int) throws(ParquetError) -> [UInt8] {
            do { return try Self.read(handle, offset, count) } catch { throw ParquetError("\(path): \(error.description)") }
        }
        guard size >= 12, try read(0, 4) == Array("PAR1".utf8) else { throw ParquetError("\(path): not a Parquet file (no PAR1 at its start)") }
        let tail = try read(size - 8, 8)
        guard tail[4...] == Array("PAR1".utf8)[...] else { throw ParquetError("\(path): truncated or not a Parquet file (no PAR1 at its end)") }
        let footerLength = Int(UInt32(tail[0]) | UInt32(tail[1]) << 8 | UInt32(tail[2]) << 16 | UInt32(tail[3]) << 24)
        guard footerLength <= size - 12 else { throw ParquetError("\(path): the footer says it is \(footerLength) bytes, more than the file holds") }
        let metadata: FileMetadata
        do { metadata = try FileMetadata(try read(size - 8 - footerLength, footerLength)) } catch {
            throw ParquetError("\(path): footer: \(error.description)")
        }
        optional = try Self.checkColumn(column, in: metadata.schema, path: path)
        var groups: [Group] = [], chunks: [ColumnChunk] = []
        var firstRow: Int64 = 0
        let dataEnd = Int64(size - 8 - footerLength)
        for (index, group) in metadata.rowGroups.enumerated() {
            let place = "\(path): row group \(index)"
            guard group.rows >= 0 else { throw ParquetError("\(place): has \(group.rows) rows") }
            let (sum, overflow) = firstRow.addingReportingOverflow(group.rows)
            guard !overflow, sum <= metadata.rows else {
                throw ParquetError("\(path): the row groups hold more rows than the \(metadata.rows) the footer says the file has")
            }
            defer { firstRow = sum }
            guard let chunk = group.columns.first(where: { $0.path.count == 1 && sameBytes($0.path[0], column) }) else { throw ParquetError("\(place): has no chunk of column \"\(column)\"") }
            guard !chunk.inOtherFile else { throw ParquetError("\(place): column \"\(column)\" is stored in another file, which hapax does not read") }
            // A top-level column that is not repeated holds one value (or null) per row.
            guard chunk.values == group.rows else {
                throw ParquetError("\(place): column \"\(column)\" holds \(chunk.values) values for the row group's \(group.rows) rows")
            }
            // pyarrow writes an empty row group's chunk with its pages at offset 0: it has nothing to read.
            if group.rows == 0 { continue }
            guard let codec = Codec(rawValue: chunk.codec), codec.isSupported else {
                throw ParquetError("\(place): codec \(Codec(rawValue: chunk.codec)?.name ?? String(chunk.codec)) is not supported (UNCOMPRESSED, SNAPPY, GZIP, BROTLI, ZSTD and LZ4_RAW are)")
            }
            let start = chunk.firstPage
            guard start >= 4, start < dataEnd, chunk.compressedBytes > 0, chunk.compressedBytes <= dataEnd - start else {
                throw ParquetError("\(place): column \"\(column)\" says its pages take \(chunk.compressedBytes) bytes from byte \(start), outside the file's data (bytes 4 to \(dataEnd))")
            }
            // Only offsets inside the data place the row group: another column's damaged offset must not.
            let firstByte = group.columns.map(\.firstPage).filter { $0 >= 4 && $0 < dataEnd }.min() ?? start
            groups.append(Group(index: index, firstByte: Int(firstByte), firstRow: Int(firstRow), rows: Int(group.rows)))
            chunks.append(chunk)
        }
        guard firstRow == metadata.rows else {
            throw ParquetError("\(path): the footer says the file has \(metadata.rows) rows, but its row groups hold \(firstRow)")
        }
        self.groups = groups
        self.chunks = chunks
    }

    deinit { try? handle.close() }

    private static let typeNames = ["BOOLEAN", "INT32", "INT64", "INT96", "FLOAT", "DOUBLE", "BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY"]

    /// Whether the column is OPTIONAL; throws when it is not a top-level string column.
    private static func checkColumn(_ column: String, in schema: [SchemaElement], path: String) throws(ParquetError) -> Bool {
        guard let root = schema.first else { throw ParquetError("\(path): the footer has no schema") }
        // The root's direct children, skipping each one's descendants.
        var topLevel: [SchemaElement] = []
        var index = 1
        // No group has more children than the schema has elements: bounding each count so keeps the sums below from overflowing.
        func children(_ element: SchemaElement) throws(ParquetError) -> Int {
            guard element.children >= 0, element.children < schema.count else {
                throw ParquetError("\(path): a schema element claims \(element.children) children, and the schema has \(schema.count) elements")
            }
            return Int(element.children)
        }
        for _ in 0..<(try children(root)) {
            guard index < schema.count else { throw ParquetError("\(path): the schema lists fewer fields than its groups claim") }
            topLevel.append(schema[index])
            var pending = try children(schema[index])
            index += 1
            while pending > 0 {
                guard index < schema.count else { throw ParquetError("\(path): the schema lists fewer fields than its groups claim") }
                pending += try children(schema[index]) - 1
                index += 1
            }
        }
        guard let field = topLevel.first(where: { sameBytes($0.name, column) }) else {
            throw ParquetError("\(path): no column \"\(column)\" (its columns: \(topLevel.map(\.name).joined(separator: ", "))); set --text-field")
        }
        let place = "\(path): column \"\(column)\""
        if field.children > 0 { throw ParquetError("\(place) is nested (a group of \(field.children) fields), not a string column") }
        if field.repetition == 2 { throw ParquetError("\(place) is repeated (a list), not a string column") }
        guard field.type == 6 else {
            let name = field.type.flatMap { $0 >= 0 && $0 < typeNames.count ? typeNames[Int($0)] : nil } ?? "unknown"
            throw ParquetError("\(place) has type \(name), not a string (BYTE_ARRAY with the String logical type)")
        }
        guard field.isString || field.convertedType == 0 else {
            throw ParquetError("\(place) is BYTE_ARRAY without the String logical type: binary, not text")
        }
        return field.repetition == 1
    }

    /// The rows of row group `group` in order: a value's bytes, or nil for a null.
    public func rows(of group: Int) -> Rows { Rows(column: self, group: group) }

    public struct Rows {
        private let column: ParquetTextColumn
        private let group: Int
        private let chunk: ColumnChunk
        private var position: Int
        private var valuesRead = 0
        private var page = -1
        private var dictionary: ByteArrays?
        /// The current page's rows as runs of nulls and of values, and its values as runs of one value
        /// repeated (`repeats` nil: once each), so that a run stored in a few bytes takes a few here.
        private var levels: [(present: Bool, count: Int)] = []
        private var values = ByteArrays()
        private var repeats: [Int]?
        private var level = 0, usedOfLevel = 0
        private var value = 0, usedOfValue = 0
        private var row: Int

        init(column: ParquetTextColumn, group: Int) {
            self.column = column
            self.group = group
            chunk = column.chunks[group]
            position = Int(chunk.firstPage)
            row = column.groups[group].firstRow
        }

        /// The next rows that are all null or all the same value: the index in the file of the first, how
        /// many, and their value or nil; nil after the last row.
        public mutating func nextRun() throws(ParquetError) -> (row: Int, count: Int, value: ArraySlice<UInt8>?)? {
            while level == levels.count {
                guard valuesRead < chunk.values else { return nil }
                try readPage()
            }
            let run = levels[level]
            var count = run.count - usedOfLevel
            var bytes: ArraySlice<UInt8>?
            if run.present {
                let repeated = repeats?[value] ?? 1
                count = min(count, repeated - usedOfValue)
                bytes = values.bytes[values.ranges[value]]
                usedOfValue += count
                if usedOfValue == repeated { (value, usedOfValue) = (value + 1, 0) }
            }
            usedOfLevel += count
            if usedOfLevel == run.count { (level, usedOfLevel) = (level + 1, 0) }
            defer { row += count }
            return (row, count, bytes)
        }

        private func error(_ message: String) -> ParquetError {
            ParquetError("\(column.path): row group \(column.groups[group].index), page \(max(page, 0)) of column \"\(column.column)\": \(message)")
        }

        private mutating func readPage() throws(ParquetError) {
            page += 1
            let end = Int(chunk.firstPage + chunk.compressedBytes)
            guard position < end else { throw error("the column chunk ends after \(valuesRead) of its \(chunk.values) values") }
            do throws(ParquetError) {
                let (header, body) = try readHeaderAndBody(end: end)
                let codec = Codec(rawValue: chunk.codec)!
                switch header.kind {
                case .dictionary:
                    guard dictionary == nil else { throw ParquetError("a second dictionary page") }
                    guard header.encoding == 0 || header.encoding == 2 else { throw ParquetError("a dictionary page of encoding \(header.encoding), not PLAIN") }
                    var cursor = ByteCursor(try codec.decompress(body[...], to: Int(header.uncompressedBytes)))
                    guard header.values >= 0, header.values <= Int64(cursor.remaining / 4) else {
                        throw ParquetError("the dictionary page claims \(header.values) values, more than its bytes hold")
                    }
                    dictionary = try ByteArrays.plain(&cursor, count: Int(header.values))
                case .data:
                    let bytes = try codec.decompress(body[...], to: Int(header.uncompressedBytes))
                    var cursor = ByteCursor(bytes)
                    let count = try count(header.values)
                    var levels: [(value: UInt64, count: Int)]?
                    if column.optional {
                        guard header.definitionLevelEncoding == 3 else { throw ParquetError("definition levels of encoding \(header.definitionLevelEncoding), not RLE") }
                        let levelRange = try cursor.take(Int(try cursor.littleEndian(4)))
                        var levelCursor = ByteCursor(bytes, from: levelRange.lowerBound, to: levelRange.upperBound)
                        levels = try levelCursor.hybridRuns(count, width: 1)
                    }
                    try decodeValues(&cursor, count: count, levels: levels, encoding: header.encoding)
                case .dataV2:
                    // Each length is checked before they are added, so their sum cannot overflow.
                    guard header.repetitionLevelBytes == 0 || !column.optional, header.repetitionLevelBytes >= 0,
                          header.definitionLevelBytes >= 0, header.repetitionLevelBytes <= Int64(body.count),
                          header.definitionLevelBytes <= Int64(body.count) - header.repetitionLevelBytes,
                          header.repetitionLevelBytes + header.definitionLevelBytes <= header.uncompressedBytes else {
                        throw ParquetError("level lengths that do not fit the page")
                    }
                    let levelBytes = Int(header.repetitionLevelBytes + header.definitionLevelBytes)
                    let count = try count(header.values)
                    var levels: [(value: UInt64, count: Int)]?
                    if column.optional {
                        var levelCursor = ByteCursor(body, from: Int(header.repetitionLevelBytes), to: levelBytes)
                        levels = try levelCursor.hybridRuns(count, width: 1)
                    }
                    let stored = body[levelBytes...], size = Int(header.uncompressedBytes) - levelBytes
                    var cursor = ByteCursor(header.isCompressed ? try codec.decompress(stored, to: size) : Array(stored))
                    try decodeValues(&cursor, count: count, levels: levels, encoding: header.encoding)
                case .other:
                    break
                }
            } catch let failure {
                throw error(failure.description)
            }
        }

        /// A page's value count, which its bytes do not bound (a run of a million nulls takes two bytes),
        /// but its column chunk's count does.
        private func count(_ claimed: Int64) throws(ParquetError) -> Int {
            guard claimed >= 0, claimed <= chunk.values - Int64(valuesRead) else {
                throw ParquetError("the page claims \(claimed) values, more than the \(chunk.values - Int64(valuesRead)) its column chunk has left")
            }
            return Int(claimed)
        }

        private mutating func decodeValues(_ cursor: inout ByteCursor, count: Int, levels definitionLevels: [(value: UInt64, count: Int)]?,
                                           encoding: Int64) throws(ParquetError) {
            var runs: [(value: UInt64, count: Int)] = []
            if let definitionLevels { runs = definitionLevels } else if count > 0 { runs = [(value: UInt64(1), count: count)] }
            if let bad = runs.first(where: { $0.value > 1 }) { throw ParquetError("a definition level of \(bad.value) in a column whose levels are 0 or 1") }
            let present = runs.reduce(0) { $0 + ($1.value == 1 ? $1.count : 0) }
            repeats = nil
            switch encoding {
            case 0: values = try ByteArrays.plain(&cursor, count: present)
            case 2, 8:
                guard let dictionary else { throw ParquetError("dictionary-encoded values without a dictionary page") }
                let width = Int(try cursor.byte())
                let indices = try cursor.hybridRuns(present, width: width)
                values = ByteArrays(bytes: dictionary.bytes)
                values.ranges.reserveCapacity(indices.count)
                for (index, _) in indices {
                    guard index < UInt64(dictionary.ranges.count) else { throw ParquetError("dictionary index \(index) is past the dictionary's \(dictionary.ranges.count) values") }
                    values.ranges.append(dictionary.ranges[Int(index)])
                }
                repeats = indices.map { $0.count }
            case 6: values = try ByteArrays.deltaLength(&cursor, count: present)
            case 7: values = try ByteArrays.deltaByteArray(&cursor, count: present)
            default:
                let names: [Int64: String] = [3: "RLE", 4: "BIT_PACKED", 5: "DELTA_BINARY_PACKED", 9: "BYTE_STREAM_SPLIT"]
                throw ParquetError("values of encoding \(names[encoding] ?? String(encoding)), which a string column does not use")
            }
            levels = runs.map { ($0.value == 1, $0.count) }
            (level, usedOfLevel, value, usedOfValue) = (0, 0, 0, 0)
            valuesRead += count
        }

        /// The page header at `position` and the page's stored bytes, CRC checked where present.
        private mutating func readHeaderAndBody(end: Int) throws(ParquetError) -> (PageHeader, [UInt8]) {
            // A header may hold long statistics: read more of it when it runs past the window, up to a bound.
            var window = min(1 << 16, end - position)
            var header: PageHeader
            while true {
                do {
                    header = try PageHeader(try column.read(position, window), at: 0)
                    break
                } catch let failure {
                    guard window < end - position, window < ParquetTextColumn.maximumHeaderBytes else { throw failure }
                    window = min(window * 4, end - position)
                }
            }
            let stored = Int(clamping: header.compressedBytes)
            guard header.compressedBytes >= 0, stored <= end - position - header.length, stored <= ParquetTextColumn.maximumPageBytes,
                  header.uncompressedBytes >= 0, header.uncompressedBytes <= Int64(ParquetTextColumn.maximumPageBytes) else {
                throw ParquetError("the page header says \(header.compressedBytes) bytes stored and \(header.uncompressedBytes) uncompressed, which do not fit its column chunk")
            }
            let body = try column.read(position + header.length, stored)
            if let crc = header.crc {
                let computed = body.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, uInt($0.count))) }
                guard computed == crc else { throw ParquetError("the page's CRC-32 is \(String(computed, radix: 16)), its header says \(String(crc, radix: 16))") }
            }
            position += header.length + stored
            return (header, body)
        }
    }

    fileprivate func read(_ offset: Int, _ count: Int) throws(ParquetError) -> [UInt8] { try Self.read(handle, offset, count) }

    private static func read(_ handle: FileHandle, _ offset: Int, _ count: Int) throws(ParquetError) -> [UInt8] {
        do {
            try handle.seek(toOffset: UInt64(offset))
            let data = try handle.read(upToCount: count) ?? Data()
            guard data.count == count else { throw ParquetError("the file ends early") }
            return Array(data)
        } catch let error as ParquetError { throw error } catch { throw ParquetError("cannot read: \(error.localizedDescription)") }
    }
}

/// Parquet names columns by their bytes; Swift's `==` on strings is canonical equivalence, under which
/// "café" in NFC and in NFD, two columns to Parquet, would be one.
private func sameBytes(_ a: String, _ b: String) -> Bool { a.utf8.elementsEqual(b.utf8) }
