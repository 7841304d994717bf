import Foundation
import Shards

/// The safetensors format: an 8-byte little-endian header length, a JSON header naming each tensor's
/// dtype, shape and byte range, then the raw little-endian data. Only F32 is used here.
public enum SafeTensors {
    public struct Entry {
        public var name: String
        public var shape: [Int]
        public var values: UnsafeBufferPointer<Float>
    }

    public static func encode(_ entries: [Entry], metadata: [String: String] = [:]) -> [UInt8] {
        var header: [String: Any] = [:]
        var offset = 0
        for entry in entries {
            let size = entry.values.count * 4
            header[entry.name] = ["dtype": "F32", "shape": entry.shape, "data_offsets": [offset, offset + size]]
            offset += size
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var json = Array(try! JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
        while json.count % 8 != 0 { json.append(UInt8(ascii: " ")) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { bytes += $0 }
        bytes += json
        for entry in entries {
            for value in entry.values { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
        }
        return bytes
    }

    public struct File {
        public let tensors: [String: (shape: [Int], values: [Float])]
        public let metadata: [String: String]
    }

    /// Reads the F32, F16 and BF16 tensors of a file as Float (all of them, or those named in `only`).
    public static func read(_ path: String, only: Set<String>? = nil) throws(ShardError) -> File {
        guard let data = FileManager.default.contents(atPath: path) else { throw ShardError("\(path): cannot read") }
        let bytes = [UInt8](data)
        guard bytes.count >= 8 else { throw ShardError("\(path): too short for safetensors") }
        let headerSize = Int(clamping: bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        guard headerSize <= bytes.count - 8,
              let header = try? JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + headerSize)])) as? [String: Any] else {
            throw ShardError("\(path): the safetensors header is not valid JSON")
        }
        let base = 8 + headerSize
        var tensors: [String: (shape: [Int], values: [Float])] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in header {
            if name == "__metadata__" {
                metadata = value as? [String: String] ?? [:]
                continue
            }
            if let only, !only.contains(name) { continue }
            let sizes = ["F32": 4, "F16": 2, "BF16": 2]
            guard let info = value as? [String: Any], let dtype = info["dtype"] as? String, let size = sizes[dtype],
                  let shape = info["shape"] as? [Int], shape.allSatisfy({ $0 >= 0 && $0 < 1 << 40 }),
                  let range = info["data_offsets"] as? [Int], range.count == 2,
                  range[0] >= 0, range[0] <= range[1], range[1] <= bytes.count - base,
                  range[1] - range[0] == shape.reduce(1, *) * size else {
                throw ShardError("\(path): tensor \(name): expected F32, F16 or BF16 with a shape matching its byte range")
            }
            var values = [Float](repeating: 0, count: shape.reduce(1, *))
            for i in values.indices {
                let at = base + range[0] + size * i
                switch dtype {
                case "F32":
                    values[i] = Float(bitPattern: UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24)
                case "F16":
                    values[i] = Float(Float16(bitPattern: UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8))
                default:
                    values[i] = Float(bitPattern: (UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8) << 16)
                }
            }
            tensors[name] = (shape, values)
        }
        return File(tensors: tensors, metadata: metadata)
    }
}
