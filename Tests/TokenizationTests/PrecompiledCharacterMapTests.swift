import Testing
@testable import Tokenization

/// SentencePiece's character map read from bytes written here by hand: a double array holding the keys
/// "a" (to "b") and "ab" (to "") and its strings, and the same map damaged.
struct PrecompiledCharacterMapTests {
    /// Root offset 1: "a" (0x61) lands at 1 ^ 0x61 = 96, whose children start at 96 ^ 1 = 97: its leaf
    /// (bit 31, value 0: "b") at 97, and "b" (0x62) at 97 ^ 0x62 = 3, whose leaf is at 3 ^ 1 = 2 (value
    /// 2: the empty string).
    static func blob(leafValue: UInt32 = 2, trieSize: UInt32? = nil) -> [UInt8] {
        var units = [UInt32](repeating: 0, count: 98)
        units[0] = 1 << 10
        units[96] = 0x61 | 1 << 8 | 1 << 10
        units[97] = 1 << 31 | 0
        units[3] = 0x62 | 1 << 8 | 1 << 10
        units[2] = 1 << 31 | leafValue
        let strings: [UInt8] = [0x62, 0, 0]
        let size = trieSize ?? UInt32(units.count * 4)
        return (0..<4).map { UInt8(truncatingIfNeeded: size >> (8 * $0)) }
            + units.flatMap { unit in (0..<4).map { UInt8(truncatingIfNeeded: unit >> (8 * $0)) } } + strings
    }

    @Test func longestAndShortestKeys() throws {
        let map = try PrecompiledCharacterMap(Self.blob()[...])
        let text: [UInt8] = Array("abc".utf8)
        text.withUnsafeBufferPointer { bytes in
            let longest = map.longestMatch(in: bytes, from: 0)
            #expect(longest?.length == 2 && longest?.replacement.isEmpty == true)
            #expect(map.shortestMatch(in: bytes, stoppingAtNul: true).map(Array.init) == [0x62])
            #expect(map.longestMatch(in: bytes, from: 1) == nil)
        }
    }

    @Test func damagedMapsAreRefusedNamingWhatIsWrong() {
        #expect(throws: TokenizerError.self) { try PrecompiledCharacterMap([1, 0][...]) }
        do {
            _ = try PrecompiledCharacterMap(Self.blob(leafValue: 7)[...])
            Issue.record("an offset past the strings was taken")
        } catch {
            #expect(error.description.contains("points at byte 7"))
        }
        do {
            _ = try PrecompiledCharacterMap(Self.blob(trieSize: 4000)[...])
            Issue.record("a trie size past the map was taken")
        } catch {
            #expect(error.description.contains("trie size 4000"))
        }
    }
}
