import Foundation

/// Writes a Megatron indexed dataset (`PREFIX.bin` and `PREFIX.idx`, laid out as `MegatronIndex`
/// reads them): one sequence per document. The data streams to a temporary file; `finish` writes the
/// index and renames both into place, the `.idx` last, so an interrupted export leaves no dataset
/// that looks complete.
public final class MegatronWriter {
    public let prefix: String
    public let dtype: TokenType
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var lengths: [Int32] = []
    private var finished = false
    private var temporary: String { prefix + ".bin.tmp-\(ProcessInfo.processInfo.processIdentifier)" }

    public init(prefix: String, dtype: TokenType) throws(TokenFileError) {
        self.prefix = prefix
        self.dtype = dtype
        guard dtype.megatronCode != nil else { throw TokenFileError("\(prefix): Megatron has no \(dtype.rawValue) dtype") }
        let path = prefix + ".bin.tmp-\(ProcessInfo.processInfo.processIdentifier)"
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw TokenFileError("cannot write \(path)")
        }
        self.handle = handle
        buffer.reserveCapacity(1 << 22)
    }

    deinit {
        try? handle.close()
        if !finished { unlink(temporary) }
    }

    /// Appends one document, each value stored in the dtype (it must fit).
    public func add(_ values: UnsafeBufferPointer<UInt32>) throws(TokenFileError) {
        let width = dtype.width, start = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: values.count * width))
        // Two's complement: a value's low bytes are its bytes in any type of that width.
        buffer.withUnsafeMutableBytes { out in
            switch width {
            case 1: for (k, v) in values.enumerated() { out[start + k] = UInt8(truncatingIfNeeded: v) }
            case 2: for (k, v) in values.enumerated() { out.storeBytes(of: UInt16(truncatingIfNeeded: v).littleEndian, toByteOffset: start + 2 * k, as: UInt16.self) }
            case 4: for (k, v) in values.enumerated() { out.storeBytes(of: v.littleEndian, toByteOffset: start + 4 * k, as: UInt32.self) }
            default: for (k, v) in values.enumerated() { out.storeBytes(of: UInt64(v).littleEndian, toByteOffset: start + 8 * k, as: UInt64.self) }
            }
        }
        lengths.append(Int32(values.count))
        if buffer.count >= 1 << 22 { try flush() }
    }

    private func flush() throws(TokenFileError) {
        do { try handle.write(contentsOf: buffer) } catch { throw TokenFileError("cannot write \(temporary): \(error.localizedDescription)") }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes the index and moves both files into place.
    public func finish() throws(TokenFileError) {
        try flush()
        do { try handle.synchronize() } catch { throw TokenFileError("cannot write \(temporary): \(error.localizedDescription)") }
        var index = MegatronIndex.magic
        func put<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { index += $0 } }
        put(UInt64(1))
        index.append(dtype.megatronCode!)
        put(UInt64(lengths.count))
        put(UInt64(lengths.count + 1))
        for length in lengths { put(length) }
        var pointer: Int64 = 0
        for length in lengths {
            put(pointer)
            pointer += Int64(length) * Int64(dtype.width)
        }
        for k in 0...lengths.count { put(Int64(k)) }
        let indexTemporary = prefix + ".idx.tmp-\(ProcessInfo.processInfo.processIdentifier)"
        guard FileManager.default.createFile(atPath: indexTemporary, contents: Data(index)) else { throw TokenFileError("cannot write \(indexTemporary)") }
        guard rename(temporary, prefix + ".bin") == 0, rename(indexTemporary, prefix + ".idx") == 0 else {
            unlink(indexTemporary)
            throw TokenFileError("cannot move \(prefix).bin and .idx into place: \(String(cString: strerror(errno)))")
        }
        finished = true
    }
}

extension TokenType {
    var megatronCode: UInt8? {
        switch self {
        case .uint8: 1
        case .int8: 2
        case .int16: 3
        case .int32: 4
        case .int64: 5
        case .uint16: 8
        case .uint32: nil
        }
    }

    /// The smallest type Megatron stores ids below `vocabularySize` in.
    public static func megatron(vocabularySize: Int) -> TokenType {
        vocabularySize <= 1 << 8 ? .uint8 : vocabularySize <= 1 << 16 ? .uint16 : .int32
    }
}
