/// The value and level encodings of a Parquet string column (Parquet's Encodings.md):
///
/// - PLAIN (0) BYTE_ARRAY: each value a 4-byte little-endian length, then its bytes.
/// - RLE / bit-packed hybrid (levels, and dictionary indices after a byte of bit width): runs, each
///   a varint header; an even header is a repeated run of `header >> 1` copies of one value in
///   ceil(width / 8) little-endian bytes, an odd one `header >> 1` groups of 8 values bit-packed
///   least significant bit first, `width` bytes per group.
/// - PLAIN_DICTIONARY (2) and RLE_DICTIONARY (8): indices into the dictionary page's PLAIN values.
/// - DELTA_BINARY_PACKED (integers, inside the next two): a header of varints (values per block,
///   miniblocks per block, value count, first value zigzag), then blocks of a zigzag minimum delta,
///   one bit-width byte per miniblock, and the miniblocks bit-packed; the last block holds only the
///   miniblocks it needs.
/// - DELTA_LENGTH_BYTE_ARRAY (6): the lengths DELTA_BINARY_PACKED, then all the bytes.
/// - DELTA_BYTE_ARRAY (7): prefix lengths DELTA_BINARY_PACKED, then the suffixes as
///   DELTA_LENGTH_BYTE_ARRAY; each value is that much of the previous one, then its suffix.
///
/// `ByteCursor` reads them, and the Thrift metadata too, bounded by the bytes it is given.
struct ByteCursor {
    let bytes: [UInt8]
    var position: Int
    let end: Int

    init(_ bytes: [UInt8], from start: Int = 0, to end: Int? = nil) {
        self.bytes = bytes
        self.position = start
        self.end = end ?? bytes.count
    }

    var remaining: Int { end - position }

    static let maximumDeltaBlock = 1 << 15

    mutating func byte() throws(ParquetError) -> UInt8 {
        guard position < end else { throw ParquetError("the data ends in the middle of a value") }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func varint() throws(ParquetError) -> UInt64 {
        var value: UInt64 = 0
        for shift in stride(from: 0, to: 70, by: 7) {
            let b = try byte()
            value |= UInt64(b & 0x7F) << UInt64(shift)
            if b & 0x80 == 0 { return value }
        }
        throw ParquetError("a varint is longer than 10 bytes")
    }

    mutating func zigzag() throws(ParquetError) -> Int64 {
        let raw = try varint()
        return Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1)
    }

    mutating func littleEndian(_ width: Int) throws(ParquetError) -> UInt64 {
        guard remaining >= width else { throw ParquetError("the page ends in the middle of a value") }
        var value: UInt64 = 0
        for k in 0..<width { value |= UInt64(bytes[position + k]) << UInt64(8 * k) }
        position += width
        return value
    }

    mutating func take(_ count: Int) throws(ParquetError) -> Range<Int> {
        guard count >= 0, count <= remaining else { throw ParquetError("a value of \(count) bytes runs past the end of the page") }
        defer { position += count }
        return position..<position + count
    }

    /// The first `count` of `stored` values of `width` bits, packed least significant bit first; the
    /// cursor moves past all `stored`, which a writer may pad past the values it means.
    mutating func bitPacked(_ count: Int, of stored: Int, width: Int, into output: inout [UInt64]) throws(ParquetError) {
        let (bits, overflow) = stored.multipliedReportingOverflow(by: width)
        let storedBytes = bits / 8 + (bits % 8 == 0 ? 0 : 1)
        guard !overflow, storedBytes <= remaining else {
            throw ParquetError("bit-packed values run past the end of the page")
        }
        var bit = 0
        for _ in 0..<min(count, stored) {
            var value: UInt64 = 0
            for k in 0..<width {
                let b = position * 8 + bit + k
                value |= UInt64((bytes[b >> 3] >> UInt8(b & 7)) & 1) << UInt64(k)
            }
            output.append(value)
            bit += width
        }
        position += storedBytes
    }

    /// `count` values of the RLE / bit-packed hybrid encoding of `width` bits, as runs of equal values:
    /// a repeated run stores any count in a few bytes, so a page of a million nulls or copies of one
    /// value takes a few bytes here too. The last bit-packed run may hold more groups than the values
    /// need (DuckDB pads it), as long as their bytes are there.
    mutating func hybridRuns(_ count: Int, width: Int) throws(ParquetError) -> [(value: UInt64, count: Int)] {
        guard (0...32).contains(width) else { throw ParquetError("a bit width of \(width) is not between 0 and 32") }
        var runs: [(value: UInt64, count: Int)] = []
        func add(_ value: UInt64, _ count: Int) {
            if let last = runs.last, last.value == value { runs[runs.count - 1].count += count } else { runs.append((value, count)) }
        }
        var decoded = 0
        var packed: [UInt64] = []
        while decoded < count {
            let header = try varint()
            let run = Int(clamping: header >> 1), left = count - decoded
            guard run > 0 else { throw ParquetError("an empty run in the RLE / bit-packed encoding") }
            if header & 1 == 0 {
                guard run <= left else { throw ParquetError("a run of \(run) values is longer than the page holds") }
                add(try littleEndian((width + 7) / 8), run)
                decoded += run
            } else {
                let (stored, overflow) = run.multipliedReportingOverflow(by: 8)
                guard !overflow else { throw ParquetError("\(run) bit-packed groups run past the end of the page") }
                packed.removeAll(keepingCapacity: true)
                try bitPacked(left, of: stored, width: width, into: &packed)
                if width == 0 { add(0, min(left, stored)) } else { for value in packed { add(value, 1) } }
                decoded += min(left, stored)
            }
        }
        return runs
    }

    /// The `count` integers of a DELTA_BINARY_PACKED encoding that must hold exactly `count`.
    mutating func deltaBinaryPacked(count: Int) throws(ParquetError) -> [Int64] {
        let blockSize = Int(clamping: try varint()), miniblocks = Int(clamping: try varint())
        let total = Int(clamping: try varint())
        var value = try zigzag()
        guard blockSize > 0, blockSize % 128 == 0, miniblocks > 0, blockSize % miniblocks == 0, (blockSize / miniblocks) % 32 == 0 else {
            throw ParquetError("a DELTA_BINARY_PACKED header with \(blockSize) values per block in \(miniblocks) miniblocks is malformed")
        }
        // Miniblocks of width 0 hold their values in no bytes, so only the block size bounds what a few
        // bytes claim. Writers use 128 (Arrow, parquet-java) to 2048 (DuckDB).
        guard blockSize <= Self.maximumDeltaBlock else {
            throw ParquetError("a DELTA_BINARY_PACKED block of \(blockSize) values, more than the \(Self.maximumDeltaBlock) hapax reads")
        }
        guard total == count else { throw ParquetError("DELTA_BINARY_PACKED holds \(total) values where the page has \(count)") }
        // A block takes at least its minimum delta and one bit width per miniblock, whatever it holds.
        let blocks = total > 1 ? (total - 2) / blockSize + 1 : 0
        guard blocks <= remaining / (miniblocks + 1) else { throw ParquetError("DELTA_BINARY_PACKED claims \(total) values, more than its bytes can hold") }
        var values: [Int64] = []
        values.reserveCapacity(total)
        if total > 0 { values.append(value) }
        let perMiniblock = blockSize / miniblocks
        var packed: [UInt64] = []
        while values.count < total {
            let minimum = try zigzag()
            guard remaining >= miniblocks else { throw ParquetError("DELTA_BINARY_PACKED bit widths run past the end of the page") }
            let widths = bytes[position..<position + miniblocks].map(Int.init)
            position += miniblocks
            for width in widths where values.count < total {
                guard width <= 64 else { throw ParquetError("a DELTA_BINARY_PACKED bit width of \(width)") }
                packed.removeAll(keepingCapacity: true)
                try bitPacked(total - values.count, of: perMiniblock, width: width, into: &packed)
                for delta in packed {
                    value = value &+ minimum &+ Int64(bitPattern: delta)
                    values.append(value)
                }
            }
        }
        return values
    }
}

/// The values of one page of a string column, as ranges of a byte buffer.
struct ByteArrays {
    var bytes: [UInt8] = []
    var ranges: [Range<Int>] = []

    /// PLAIN: `count` values.
    static func plain(_ cursor: inout ByteCursor, count: Int) throws(ParquetError) -> ByteArrays {
        var result = ByteArrays(bytes: cursor.bytes)
        result.ranges.reserveCapacity(min(count, cursor.remaining / 4))
        for _ in 0..<count {
            let length = Int(try cursor.littleEndian(4))
            result.ranges.append(try cursor.take(length))
        }
        return result
    }

    static func deltaLength(_ cursor: inout ByteCursor, count: Int) throws(ParquetError) -> ByteArrays {
        let lengths = try cursor.deltaBinaryPacked(count: count)
        var result = ByteArrays(bytes: cursor.bytes)
        result.ranges.reserveCapacity(count)
        for length in lengths {
            guard length >= 0, length <= Int64(cursor.remaining) else { throw ParquetError("a value of \(length) bytes runs past the end of the page") }
            result.ranges.append(try cursor.take(Int(length)))
        }
        return result
    }

    static func deltaByteArray(_ cursor: inout ByteCursor, count: Int) throws(ParquetError) -> ByteArrays {
        let prefixes = try cursor.deltaBinaryPacked(count: count)
        let suffixes = try deltaLength(&cursor, count: count)
        var result = ByteArrays()
        result.ranges.reserveCapacity(count)
        // The value before is kept apart: appending a slice of `result.bytes` to itself would copy the
        // whole buffer for every value, which made a page's decoding quadratic in its size.
        var previous: [UInt8] = []
        for (prefix, suffix) in zip(prefixes, suffixes.ranges) {
            guard prefix >= 0, prefix <= Int64(previous.count) else { throw ParquetError("a prefix of \(prefix) bytes is longer than the value before it") }
            previous.removeSubrange(Int(prefix)...)
            previous.append(contentsOf: suffixes.bytes[suffix])
            // Prefixes repeat bytes without storing them, so a small page could otherwise decode to terabytes.
            guard result.bytes.count <= ParquetTextColumn.maximumPageBytes - previous.count else {
                throw ParquetError("DELTA_BYTE_ARRAY values add up to more than \(ParquetTextColumn.maximumPageBytes) bytes in one page")
            }
            let start = result.bytes.count
            result.bytes.append(contentsOf: previous)
            result.ranges.append(start..<result.bytes.count)
        }
        return result
    }
}
