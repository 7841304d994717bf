import Testing
@testable import Checksum

@Suite struct SHA256Tests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func knownVectors(input: String, digest: String) {
        #expect(SHA256.hex(of: Array(input.utf8)) == digest)
    }

    @Test func incrementalUpdatesMatchOneShot() {
        let bytes = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        var hasher = SHA256()
        var offset = 0
        for size in [1, 63, 64, 65, 127, 1000, 3] + Array(repeating: 500, count: 20) where offset < bytes.count {
            let end = min(offset + size, bytes.count)
            hasher.update(bytes[offset..<end])
            offset = end
        }
        hasher.update(bytes[offset...])
        #expect(hasher.finalizeHex() == SHA256.hex(of: bytes))
        // A million 'a's, the FIPS 180-2 long vector.
        #expect(SHA256.hex(of: [UInt8](repeating: 0x61, count: 1_000_000)) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// The x86 SHA extensions and the compression function in Swift give the same digests, for every
    /// length around the block boundaries and for inputs fed in pieces.
    @Test func extensionsAgreeWithTheCompressionFunction() throws {
        try #require(SHA256.hasExtensions, "this processor has no SHA extensions; the Swift path is the only one")
        var rng: UInt64 = 0x9E37_79B9_7F4A_7C15
        for length in Array(0...200) + [1000, 4096, 65_537, 1_000_003] {
            let bytes = (0..<length).map { _ -> UInt8 in
                rng = rng &* 6364136223846793005 &+ 1442695040888963407
                return UInt8(truncatingIfNeeded: rng >> 56)
            }
            var plain = SHA256()
            plain.usesExtensions = false
            var fast = SHA256()
            for piece in stride(from: 0, to: length, by: 777) { fast.update(bytes[piece..<min(piece + 777, length)]) }
            plain.update(bytes)
            #expect(fast.finalizeHex() == plain.finalizeHex(), "length \(length)")
        }
    }
}
