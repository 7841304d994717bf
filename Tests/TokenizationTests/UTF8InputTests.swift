import Testing
@testable import Tokenization

/// Invalid UTF-8 becomes one U+FFFD per maximal ill-formed subsequence, as Python's "replace" does.
@Suite struct UTF8InputTests {
    @Test(arguments: [
        ([0x61, 0xFF, 0xFE, 0x62] as [UInt8], "a\u{FFFD}\u{FFFD}b", 2, 1),
        ([0xE2, 0x82, 0x41] as [UInt8], "\u{FFFD}A", 1, 0),
        ([0xF0, 0x9F, 0x98] as [UInt8], "\u{FFFD}", 1, 0),
        ([0xC3] as [UInt8], "\u{FFFD}", 1, 0),
        ([0xED, 0xA0, 0x80] as [UInt8], "\u{FFFD}\u{FFFD}\u{FFFD}", 3, 0),
    ])
    func replacesAndCounts(bytes: [UInt8], text: String, replacements: Int, offset: Int) {
        let input = UTF8Input(bytes)
        #expect(input.text == text)
        #expect(input.replacements == replacements)
        #expect(input.firstInvalidOffset == offset)
    }

    @Test func validInputIsUntouched() {
        let input = UTF8Input(Array("héllo 👋".utf8))
        #expect(input.text == "héllo 👋")
        #expect(input.replacements == 0)
        #expect(input.firstInvalidOffset == nil)
    }
}
