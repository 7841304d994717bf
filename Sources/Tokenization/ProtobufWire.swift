/// Protocol Buffers' wire format, as far as reading a message takes: a message is a run of fields,
/// each a key (a varint `field number << 3 | wire type`) and a value by its wire type: 0 a varint
/// (little-endian groups of 7 bits, the high bit set on all but the last, at most 10 bytes), 1 eight
/// bytes, 2 a varint length and that many bytes (strings, bytes, nested messages), 5 four bytes. Wire
/// types 3 and 4 (groups) are obsolete and refused. Fields may come in any order and repeat; a reader
/// skips the numbers it does not know. (protobuf.dev, "Encoding".)
struct ProtobufMessage {
    enum Value {
        case varint(UInt64)
        case fixed64(UInt64)
        case bytes(ArraySlice<UInt8>)
        case fixed32(UInt32)
    }

    let bytes: ArraySlice<UInt8>
    /// Where the message is, for errors: "pieces[12]", "trainer_spec".
    let place: String

    /// Calls `body` with each field's number and value, in order.
    func forEachField(_ body: (Int, Value) throws(TokenizerError) -> Void) throws(TokenizerError) {
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let keyOffset = i - bytes.startIndex
            let key = try varint(at: &i)
            let number = Int(truncatingIfNeeded: key >> 3)
            guard number > 0, number < 1 << 29 else {
                throw error("field number \(key >> 3) at byte \(keyOffset) is not a valid field number")
            }
            switch key & 7 {
            case 0: try body(number, .varint(try varint(at: &i)))
            case 1: try body(number, .fixed64(try fixed(at: &i, width: 8)))
            case 2:
                let length = try varint(at: &i)
                guard length <= UInt64(bytes.endIndex - i) else {
                    throw error("field \(number) at byte \(keyOffset) says it holds \(length) bytes, but only \(bytes.endIndex - i) remain")
                }
                let end = i + Int(length)
                try body(number, .bytes(bytes[i..<end]))
                i = end
            case 5: try body(number, .fixed32(UInt32(truncatingIfNeeded: try fixed(at: &i, width: 4))))
            default: throw error("field \(number) at byte \(keyOffset) has wire type \(key & 7), which is not one of 0, 1, 2, 5")
            }
        }
    }

    private func varint(at i: inout Int) throws(TokenizerError) -> UInt64 {
        var value: UInt64 = 0
        for shift in stride(from: 0, to: 70, by: 7) {
            guard i < bytes.endIndex else { throw error("a varint runs past the end of the message") }
            let byte = bytes[i]
            i += 1
            value |= UInt64(byte & 0x7F) << UInt64(shift)
            if byte & 0x80 == 0 { return value }
        }
        throw error("a varint is longer than 10 bytes")
    }

    private func fixed(at i: inout Int, width: Int) throws(TokenizerError) -> UInt64 {
        guard bytes.endIndex - i >= width else { throw error("a \(width)-byte value runs past the end of the message") }
        var value: UInt64 = 0
        for k in 0..<width { value |= UInt64(bytes[i + k]) << UInt64(8 * k) }
        i += width
        return value
    }

    func error(_ message: String) -> TokenizerError {
        TokenizerError(place.isEmpty ? message : "\(place): \(message)")
    }

    // Typed access to a value, with errors that name the field.

    func message(_ value: Value, field: String) throws(TokenizerError) -> ProtobufMessage {
        guard case .bytes(let bytes) = value else { throw error("\(field): expected a message (wire type 2)") }
        return ProtobufMessage(bytes: bytes, place: place.isEmpty ? field : "\(place).\(field)")
    }

    func string(_ value: Value, field: String) throws(TokenizerError) -> String {
        guard case .bytes(let bytes) = value else { throw error("\(field): expected a string (wire type 2)") }
        guard let string = String(validating: bytes, as: UTF8.self) else { throw error("\(field): not valid UTF-8") }
        return string
    }

    func integer(_ value: Value, field: String) throws(TokenizerError) -> UInt64 {
        guard case .varint(let number) = value else { throw error("\(field): expected a varint (wire type 0)") }
        return number
    }

    func float(_ value: Value, field: String) throws(TokenizerError) -> Float {
        guard case .fixed32(let bits) = value else { throw error("\(field): expected a float (wire type 5)") }
        return Float(bitPattern: bits)
    }
}
