/// The Thrift compact protocol, as far as reading Parquet's metadata takes (Apache Thrift,
/// "Thrift Compact protocol encoding"):
///
/// - A struct is a run of fields ended by a 0 byte. A field header byte holds a field-id delta in its
///   high nibble (0: the id follows as a zigzag varint) and a type in its low nibble: 1 true, 2 false
///   (the value is the type), 3 i8, 4 i16, 5 i32, 6 i64 (zigzag varints but i8), 7 double (8 bytes),
///   8 binary (varint length, bytes), 9 list, 10 set, 11 map, 12 struct.
/// - A list or set header byte holds the size in its high nibble (15: a varint size follows) and the
///   element type in its low nibble; a map is a varint size, then (when not empty) a byte of key and
///   value types.
///
/// Every read is bounded by the bytes given and nesting is bounded by `maximumDepth`, so a hostile
/// footer ends in an error, never a crash or a runaway allocation.
struct ThriftReader {
    enum FieldType: UInt8 {
        case stop = 0, `true`, `false`, i8, i16, i32, i64, double, binary, list, set, map, `struct`
    }

    private var cursor: ByteCursor
    private var depth = 0
    static let maximumDepth = 64

    init(_ bytes: [UInt8], at position: Int = 0) {
        cursor = ByteCursor(bytes, from: position)
    }

    var position: Int { cursor.position }
    private var remaining: Int { cursor.remaining }

    private mutating func byte() throws(ParquetError) -> UInt8 { try cursor.byte() }
    mutating func varint() throws(ParquetError) -> UInt64 { try cursor.varint() }
    mutating func zigzag() throws(ParquetError) -> Int64 { try cursor.zigzag() }

    /// The fields of the struct at the current position, each read or skipped by `body`.
    mutating func forEachField(_ body: (inout ThriftReader, Int, FieldType) throws(ParquetError) -> Void) throws(ParquetError) {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maximumDepth else { throw ParquetError("the metadata nests deeper than \(Self.maximumDepth) levels") }
        var id = 0
        while true {
            let header = try byte()
            guard let type = FieldType(rawValue: header & 0x0F) else { throw ParquetError("a field of the metadata has unknown type \(header & 0x0F)") }
            if type == .stop { return }
            let delta = Int(header >> 4)
            if delta == 0 {
                // Field ids are i16: a larger one is damage, and would overflow the next delta's sum.
                let explicit = try zigzag()
                guard let small = Int16(exactly: explicit) else { throw ParquetError("a field of the metadata has id \(explicit), outside i16") }
                id = Int(small)
            } else {
                id += delta
            }
            let before = position
            try body(&self, id, type)
            if position == before && type != .true && type != .false { try skip(type) }
        }
    }

    mutating func int(_ type: FieldType) throws(ParquetError) -> Int64 {
        switch type {
        case .i8: return Int64(Int8(bitPattern: try byte()))
        case .i16, .i32, .i64: return try zigzag()
        default: throw ParquetError("expected an integer in the metadata, found type \(type)")
        }
    }

    mutating func binary(_ type: FieldType) throws(ParquetError) -> ArraySlice<UInt8> {
        guard type == .binary else { throw ParquetError("expected a string in the metadata, found type \(type)") }
        let length = try varint()
        guard length <= UInt64(remaining) else { throw ParquetError("a string in the metadata runs past its end") }
        return cursor.bytes[try cursor.take(Int(length))]
    }

    mutating func string(_ type: FieldType) throws(ParquetError) -> String {
        String(decoding: try binary(type), as: UTF8.self)
    }

    /// The elements of the list at the current position, each read or skipped by `body`.
    mutating func forEachElement(_ type: FieldType, _ body: (inout ThriftReader, FieldType) throws(ParquetError) -> Void) throws(ParquetError) {
        guard type == .list || type == .set else { throw ParquetError("expected a list in the metadata, found type \(type)") }
        let header = try byte()
        var count = UInt64(header >> 4)
        if count == 15 { count = try varint() }
        guard let element = FieldType(rawValue: header & 0x0F) else { throw ParquetError("a list of the metadata has unknown element type") }
        // Every element takes at least one byte (booleans one each), so a longer list is a lie.
        guard count <= UInt64(remaining) else { throw ParquetError("a list in the metadata claims \(count) elements, more than its bytes") }
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maximumDepth else { throw ParquetError("the metadata nests deeper than \(Self.maximumDepth) levels") }
        for _ in 0..<count {
            let before = position
            try body(&self, element)
            if position == before { try skipElement(element) }
        }
    }

    /// A list element's boolean is a byte of its own, unlike a field's.
    private mutating func skipElement(_ type: FieldType) throws(ParquetError) {
        if type == .true || type == .false { _ = try byte() } else { try skip(type) }
    }

    mutating func skip(_ type: FieldType) throws(ParquetError) {
        switch type {
        case .stop: throw ParquetError("a field of the metadata has no type")
        case .true, .false: break
        case .i8: _ = try byte()
        case .i16, .i32, .i64: _ = try varint()
        case .double: _ = try cursor.take(8)
        case .binary: _ = try binary(.binary)
        case .list, .set: try forEachElement(type) { _, _ throws(ParquetError) in }
        case .map:
            // A map's values may be maps: count the nesting, as structs and lists do.
            depth += 1
            defer { depth -= 1 }
            guard depth <= Self.maximumDepth else { throw ParquetError("the metadata nests deeper than \(Self.maximumDepth) levels") }
            let count = try varint()
            guard count > 0 else { return }
            let types = try byte()
            guard let key = FieldType(rawValue: types >> 4), let value = FieldType(rawValue: types & 0x0F),
                  count <= UInt64(remaining) else { throw ParquetError("a map in the metadata is malformed") }
            for _ in 0..<count {
                try skipElement(key)
                try skipElement(value)
            }
        case .struct: try forEachField { _, _, _ throws(ParquetError) in }
        }
    }
}

/// A one-line reason why a Parquet file cannot be read; the reader adds the file, row group and page.
public struct ParquetError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
