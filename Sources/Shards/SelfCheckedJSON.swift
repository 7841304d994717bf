import Checksum

/// A JSON file that carries the SHA-256 of its own encoding (made with `checksum` absent), so that a
/// damaged or altered value is caught before it is used: unit records, which decide what a rerun
/// reuses, and checkpoint states, which decide where a resumed run continues.
public protocol SelfChecked: Codable {
    var checksum: String? { get set }
}

extension ManifestJSON {
    public static func encodeChecked<T: SelfChecked>(_ value: T) -> [UInt8] {
        var sealed = value
        sealed.checksum = nil
        sealed.checksum = SHA256.hex(of: encode(sealed))
        return encode(sealed)
    }

    /// Decodes and checks a file written by `encodeChecked`.
    public static func decodeChecked<T: SelfChecked>(_ type: T.Type, from path: String) throws(ShardError) -> T {
        let value = try decode(type, from: path)
        var bare = value
        bare.checksum = nil
        guard let checksum = value.checksum, checksum == SHA256.hex(of: encode(bare)) else {
            throw ShardError("\(path): its checksum does not match its contents (the file is damaged or was edited)")
        }
        return value
    }
}
