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

    /// `count` values of `width` bits, packed least significant bit first.
    mutating func bitPacked(_ count: Int, width: Int, into output: inout [UInt64]) throws(ParquetError) {
        let bytesNeeded = (count * width + 7) / 8
        guard bytesNeeded <= remaining else { throw ParquetError("bit-packed values run past the end of the page") }
        var bit = 0
        for _ in 0..<count {
            var value: UInt64 = 0
            for k in 0..<width {
                let b = position * 8 + bit + k
                value |= UInt64((bytes[b >> 3] >> UInt8(b & 7)) & 1) << UInt64(k)
            }
            output.append(value)
            bit += width
        }
        position += bytesNeeded
    }

    /// `count` values of the RLE / bit-packed hybrid encoding of `width` bits.
    mutating func hybrid(_ count: Int, width: Int) throws(ParquetError) -> [UInt64] {
        guard (0...32).contains(width) else { throw ParquetError("a bit width of \(width) is not between 0 and 32") }
        var values: [UInt64] = []
        values.reserveCapacity(min(count, remaining * 8 + 8))
        while values.count < count {
            let header = try varint()
            let run = Int(clamping: header >> 1), left = count - values.count
            guard run > 0 else { throw ParquetError("an empty run in the RLE / bit-packed encoding") }
            if header & 1 == 0 {
                guard run <= left else { throw ParquetError("a run of \(run) values is longer than the page holds") }
                values.append(contentsOf: repeatElement(try littleEndian((width + 7) / 8), count: run))
            } else {
                // The last group may be padded to 8 values.
                guard run <= (left + 7) / 8 else { throw ParquetError("\(run) bit-packed groups are more than the page holds") }
                try bitPacked(run * 8, width: width, into: &values)
            }
        }
        return Array(values.prefix(count))
    }

    /// `count` integers of the DELTA_BINARY_PACKED encoding.
    mutating func deltaBinaryPacked() throws(ParquetError) -> [Int64] {
        let blockSize = Int(clamping: try varint()), miniblocks = Int(clamping: try varint())
        let total = Int(clamping: try varint())
        var value = try zigzag()
        guard blockSize > 0, blockSize % 128 == 0, miniblocks > 0, blockSize % miniblocks == 0, (blockSize / miniblocks) % 32 == 0 else {
            throw ParquetError("a DELTA_BINARY_PACKED header with \(blockSize) values per block in \(miniblocks) miniblocks is malformed")
        }
        guard total <= remaining * 8 + 1 else { throw ParquetError("DELTA_BINARY_PACKED claims \(total) values, more than its bytes can hold") }
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
                try bitPacked(perMiniblock, width: width, into: &packed)
                for delta in packed where values.count < total {
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
        let lengths = try cursor.deltaBinaryPacked()
        guard lengths.count == count else { throw ParquetError("DELTA_LENGTH_BYTE_ARRAY holds \(lengths.count) lengths for \(count) values") }
        var result = ByteArrays(bytes: cursor.bytes)
        for length in lengths {
            guard length >= 0, length <= Int64(cursor.remaining) else { throw ParquetError("a value of \(length) bytes runs past the end of the page") }
            result.ranges.append(try cursor.take(Int(length)))
        }
        return result
    }

    static func deltaByteArray(_ cursor: inout ByteCursor, count: Int) throws(ParquetError) -> ByteArrays {
        let prefixes = try cursor.deltaBinaryPacked()
        let suffixes = try deltaLength(&cursor, count: count)
        guard prefixes.count == count else { throw ParquetError("DELTA_BYTE_ARRAY holds \(prefixes.count) prefix lengths for \(count) values") }
        var result = ByteArrays()
        var previous = 0..<0
        for (prefix, suffix) in zip(prefixes, suffixes.ranges) {
            guard prefix >= 0, prefix <= Int64(previous.count) else { throw ParquetError("a prefix of \(prefix) bytes is longer than the value before it") }
            let start = result.bytes.count
            result.bytes.append(contentsOf: result.bytes[previous.lowerBound..<previous.lowerBound + Int(prefix)])
            result.bytes.append(contentsOf: suffixes.bytes[suffix])
            previous = start..<result.bytes.count
            result.ranges.append(previous)
        }
        return result
    }
}
