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

    public static func read(_ path: String) throws(ShardError) -> File {
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
            guard let info = value as? [String: Any], info["dtype"] as? String == "F32",
                  let shape = info["shape"] as? [Int], let range = info["data_offsets"] as? [Int], range.count == 2,
                  range[0] >= 0, range[0] <= range[1], range[1] <= bytes.count - base,
                  range[1] - range[0] == shape.reduce(1, *) * 4 else {
                throw ShardError("\(path): tensor \(name): expected F32 with a shape matching its byte range")
            }
            var values = [Float](repeating: 0, count: shape.reduce(1, *))
            for i in values.indices {
                let at = base + range[0] + 4 * i
                let bits = UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
                values[i] = Float(bitPattern: bits)
            }
            tensors[name] = (shape, values)
        }
        return File(tensors: tensors, metadata: metadata)
    }
}
