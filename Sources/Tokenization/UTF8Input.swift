/// Turning raw input bytes into text. Policy: each maximal ill-formed UTF-8 subsequence becomes one
/// U+FFFD REPLACEMENT CHARACTER and is counted (the Unicode-recommended practice, which Python's
/// `errors="replace"` also follows), or, when the caller is strict, the first one is an error.
public struct UTF8Input: Sendable {
    public let text: String
    /// How many ill-formed subsequences were replaced.
    public let replacements: Int
    /// Byte offset of the first ill-formed subsequence, if any.
    public let firstInvalidOffset: Int?

    public init(_ bytes: some Collection<UInt8>) {
        if let text = String(validating: bytes, as: UTF8.self) {
            self.text = text
            self.replacements = 0
            self.firstInvalidOffset = nil
            return
        }
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        var replacements = 0
        var firstInvalid: Int? = nil
        var scalars = String.UnicodeScalarView()
        loop: while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                scalars.append(Unicode.UTF8.decode(encoded))
                offset += encoded.count
            case .error(let length):
                scalars.append("\u{FFFD}")
                replacements += 1
                if firstInvalid == nil { firstInvalid = offset }
                offset += length
            case .emptyInput:
                break loop
            }
        }
        self.text = String(scalars)
        self.replacements = replacements
        self.firstInvalidOffset = firstInvalid
    }
}
