/// The parts of Parquet's footer (parquet.thrift, `FileMetaData`) that reading one string column
/// needs, with their field ids:
///
/// - `FileMetaData`: 2 `schema` (list of `SchemaElement`, depth first, the root first), 3 `num_rows`
///   (the row groups' sum), 4 `row_groups`.
/// - `SchemaElement`: 1 `type` (6 is BYTE_ARRAY), 3 `repetition_type` (0 REQUIRED, 1 OPTIONAL,
///   2 REPEATED), 4 `name`, 5 `num_children` (groups only), 6 `converted_type` (0 is UTF8),
///   10 `logicalType` (a union whose field 1 is STRING).
/// - `RowGroup`: 1 `columns` (list of `ColumnChunk`), 3 `num_rows` (the `num_values` of a top-level,
///   non-repeated column's chunk: one value or null per row).
/// - `ColumnChunk`: 1 `file_path` (set when the data is in another file, which hapax refuses),
///   3 `meta_data`: `ColumnMetaData` with 1 `type`, 3 `path_in_schema`, 4 `codec`, 5 `num_values`,
///   7 `total_compressed_size`, 9 `data_page_offset`, 11 `dictionary_page_offset`.
/// - `PageHeader`: 1 `type` (0 DATA_PAGE, 2 DICTIONARY_PAGE, 3 DATA_PAGE_V2), 2
///   `uncompressed_page_size`, 3 `compressed_page_size`, 4 `crc` (CRC-32 of the page as stored),
///   5 `DataPageHeader` (1 `num_values`, 2 `encoding`, 3 `definition_level_encoding`), 7
///   `DictionaryPageHeader` (1 `num_values`, 2 `encoding`), 8 `DataPageHeaderV2` (1 `num_values`,
///   2 `num_nulls`, 4 `encoding`, 5 `definition_levels_byte_length`, 6
///   `repetition_levels_byte_length`, 7 `is_compressed`, true by default).
///
/// Each struct's required fields (parquet.thrift's `required`) must be present, as a Thrift reader
/// generated from parquet.thrift requires: a damaged byte that drops one is refused, not read as a
/// default (a row group of 0 rows, a file of no row groups).
struct SchemaElement {
    var type: Int64?
    var repetition: Int64?
    var name = ""
    var children: Int64 = 0
    var convertedType: Int64?
    var isString = false
}

struct ColumnChunk {
    var inOtherFile = false
    var type: Int64 = -1
    var path: [String] = []
    var codec: Int64 = 0
    var values: Int64 = 0
    var compressedBytes: Int64 = 0
    var dataPageOffset: Int64 = -1
    var dictionaryPageOffset: Int64?

    /// Where its first page starts: the dictionary page, when there is one before the data.
    var firstPage: Int64 {
        if let dictionary = dictionaryPageOffset, dictionary > 0, dictionary < dataPageOffset { return dictionary }
        return dataPageOffset
    }
}

struct RowGroup {
    var columns: [ColumnChunk] = []
    var rows: Int64 = 0
}

struct FileMetadata {
    var schema: [SchemaElement] = []
    var rows: Int64 = 0
    var rowGroups: [RowGroup] = []

    init(_ bytes: [UInt8]) throws(ParquetError) {
        var reader = ThriftReader(bytes)
        var seen = FieldsSeen()
        try reader.forEachField { r, id, type throws(ParquetError) in
            seen.insert(id)
            switch id {
            case 2: try r.forEachElement(type) { r, type throws(ParquetError) in schema.append(try Self.schemaElement(&r, type)) }
            case 3: rows = try r.int(type)
            case 4: try r.forEachElement(type) { r, type throws(ParquetError) in rowGroups.append(try Self.rowGroup(&r, type)) }
            default: break
            }
        }
        try seen.require([1: "version", 2: "schema", 3: "num_rows", 4: "row_groups"], of: "the file's metadata")
    }

    private static func schemaElement(_ r: inout ThriftReader, _ type: ThriftReader.FieldType) throws(ParquetError) -> SchemaElement {
        guard type == .struct else { throw ParquetError("a schema element is not a struct") }
        var element = SchemaElement()
        var seen = FieldsSeen()
        try r.forEachField { r, id, type throws(ParquetError) in
            seen.insert(id)
            switch id {
            case 1: element.type = try r.int(type)
            case 3: element.repetition = try r.int(type)
            case 4: element.name = try r.string(type)
            case 5: element.children = try r.int(type)
            case 6: element.convertedType = try r.int(type)
            case 10:
                guard type == .struct else { return }
                try r.forEachField { _, id, _ throws(ParquetError) in if id == 1 { element.isString = true } }
            default: break
            }
        }
        try seen.require([4: "name"], of: "a schema element")
        return element
    }

    private static func rowGroup(_ r: inout ThriftReader, _ type: ThriftReader.FieldType) throws(ParquetError) -> RowGroup {
        guard type == .struct else { throw ParquetError("a row group is not a struct") }
        var group = RowGroup()
        var seen = FieldsSeen()
        try r.forEachField { r, id, type throws(ParquetError) in
            seen.insert(id)
            switch id {
            case 1: try r.forEachElement(type) { r, type throws(ParquetError) in group.columns.append(try columnChunk(&r, type)) }
            case 3: group.rows = try r.int(type)
            default: break
            }
        }
        try seen.require([1: "columns", 2: "total_byte_size", 3: "num_rows"], of: "a row group")
        return group
    }

    private static func columnChunk(_ r: inout ThriftReader, _ type: ThriftReader.FieldType) throws(ParquetError) -> ColumnChunk {
        guard type == .struct else { throw ParquetError("a column chunk is not a struct") }
        var chunk = ColumnChunk()
        var seen = FieldsSeen()
        try r.forEachField { r, id, type throws(ParquetError) in
            seen.insert(id)
            switch id {
            case 1: chunk.inOtherFile = !(try r.binary(type)).isEmpty
            case 3:
                guard type == .struct else { throw ParquetError("a column's metadata is not a struct") }
                var metadataSeen = FieldsSeen()
                try r.forEachField { r, id, type throws(ParquetError) in
                    metadataSeen.insert(id)
                    switch id {
                    case 1: chunk.type = try r.int(type)
                    case 3: try r.forEachElement(type) { r, type throws(ParquetError) in chunk.path.append(try r.string(type)) }
                    case 4: chunk.codec = try r.int(type)
                    case 5: chunk.values = try r.int(type)
                    case 7: chunk.compressedBytes = try r.int(type)
                    case 9: chunk.dataPageOffset = try r.int(type)
                    case 11: chunk.dictionaryPageOffset = try r.int(type)
                    default: break
                    }
                }
                try metadataSeen.require([1: "type", 2: "encodings", 3: "path_in_schema", 4: "codec", 5: "num_values",
                                          6: "total_uncompressed_size", 7: "total_compressed_size", 9: "data_page_offset"],
                                         of: "a column chunk's metadata")
            default: break
            }
        }
        // meta_data is optional in parquet.thrift only for chunks kept in another file.
        try seen.require(chunk.inOtherFile ? [2: "file_offset"] : [2: "file_offset", 3: "meta_data"], of: "a column chunk")
        return chunk
    }
}

struct PageHeader {
    enum Kind { case data, dictionary, dataV2, other }
    var kind = Kind.other
    var uncompressedBytes: Int64 = -1
    var compressedBytes: Int64 = -1
    var crc: UInt32?
    var values: Int64 = 0
    var encoding: Int64 = 0
    var definitionLevelEncoding: Int64 = 3
    var definitionLevelBytes: Int64 = 0
    var repetitionLevelBytes: Int64 = 0
    var isCompressed = true
    /// The header's own length in bytes.
    var length = 0

    init(_ bytes: [UInt8], at position: Int) throws(ParquetError) {
        var reader = ThriftReader(bytes, at: position)
        var seen = FieldsSeen()
        try reader.forEachField { r, id, type throws(ParquetError) in
            seen.insert(id)
            switch id {
            case 1:
                switch try r.int(type) {
                case 0: kind = .data
                case 2: kind = .dictionary
                case 3: kind = .dataV2
                default: kind = .other
                }
            case 2: uncompressedBytes = try r.int(type)
            case 3: compressedBytes = try r.int(type)
            case 4: crc = UInt32(truncatingIfNeeded: try r.int(type))
            case 5, 7, 8:
                guard type == .struct else { throw ParquetError("a page header's part is not a struct") }
                let part = id
                var partSeen = FieldsSeen()
                try r.forEachField { r, id, type throws(ParquetError) in
                    partSeen.insert(id)
                    switch (part, id) {
                    case (_, 1): values = try r.int(type)
                    case (5, 2), (7, 2), (8, 4): encoding = try r.int(type)
                    case (5, 3): definitionLevelEncoding = try r.int(type)
                    case (8, 5): definitionLevelBytes = try r.int(type)
                    case (8, 6): repetitionLevelBytes = try r.int(type)
                    case (8, 7): isCompressed = type == .true
                    default: break
                    }
                }
                switch part {
                case 5: try partSeen.require([1: "num_values", 2: "encoding", 3: "definition_level_encoding", 4: "repetition_level_encoding"], of: "a data page header")
                case 7: try partSeen.require([1: "num_values", 2: "encoding"], of: "a dictionary page header")
                default: try partSeen.require([1: "num_values", 2: "num_nulls", 3: "num_rows", 4: "encoding", 5: "definition_levels_byte_length",
                                               6: "repetition_levels_byte_length"], of: "a v2 data page header")
                }
            default: break
            }
        }
        try seen.require([1: "type", 2: "uncompressed_page_size", 3: "compressed_page_size"], of: "a page header")
        switch kind {
        case .data: try seen.require([5: "data_page_header"], of: "a data page's header")
        case .dictionary: try seen.require([7: "dictionary_page_header"], of: "a dictionary page's header")
        case .dataV2: try seen.require([8: "data_page_header_v2"], of: "a v2 data page's header")
        case .other: break
        }
        length = reader.position - position
    }
}

/// The field ids met in one struct, to find required fields that are missing.
struct FieldsSeen {
    private var ids = Set<Int>()

    mutating func insert(_ id: Int) { ids.insert(id) }

    func require(_ fields: [Int: String], of what: String) throws(ParquetError) {
        if let missing = fields.keys.sorted().first(where: { !ids.contains($0) }) {
            throw ParquetError("\(what) lacks its required field \(fields[missing]!) (field \(missing))")
        }
    }
}
