import Foundation

/// A JSON text (RFC 8259) parsed in one pass into a flat list of nodes over the text's own bytes, in
/// document order; no string, number or container is built until a reader asks for it.
///
/// Why not Foundation's JSONSerialization: a tokenizer.json holds a hundred thousand vocabulary
/// entries and a few hundred thousand merges; an object for each, then a cast of each, made a
/// 128,000-token file take two seconds to load.
///
/// Layout: a container's node is followed by the nodes of its contents (an object's as key, value,
/// key, value, …), and every node records the index just past itself and its contents, so a reader
/// steps over a whole value at once. The parse checks everything the grammar asks: UTF-8, escapes
/// (a `\u` surrogate must be paired), no raw control character in a string, the number syntax and
/// a double's range, and nothing but white space after the value. Nesting deeper than `maximumDepth`
/// is refused rather than recursed into.
final class JSONDocument: Sendable {
    enum Kind: UInt8 { case null, boolean, number, string, array, object }

    struct Node {
        let kind: Kind
        /// A string with a backslash in it, decoded when read rather than sliced.
        let escaped: Bool
        /// The value's bytes: a string's without its quotes, a container's from its bracket.
        let start: Int32, end: Int32
        /// The index of the node after this value and everything in it.
        let next: Int32
    }

    static let maximumDepth = 512

    let contents: FileContents
    let nodes: [Node]

    convenience init(_ bytes: [UInt8]) throws(TokenizerError) {
        try self.init(FileContents(bytes))
    }

    /// Parses `contents`, or names the first thing wrong with them and where (line and column).
    init(_ contents: FileContents) throws(TokenizerError) {
        guard contents.count < Int(Int32.max) else { throw TokenizerError("not valid JSON: larger than 2 GB") }
        self.contents = contents
        var parser = Parser()
        // Tokenizer files spend 14 to 16 bytes a value; room for twice that many, never touched if not
        // needed, spares a copy of the whole list when it grows.
        parser.nodes.reserveCapacity(contents.count / 8)
        let failure: (message: String, offset: Int)? = contents.withBytes { text in
            do throws(Parser.Failure) {
                try parser.document(text)
                return nil
            } catch {
                return (error.message, error.offset)
            }
        }
        if let failure {
            let (line, column) = contents.withBytes { bytes in
                let before = bytes[..<min(failure.offset, bytes.count)]
                return (before.reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 },
                        before.count - (before.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0) + 1)
            }
            throw TokenizerError("not valid JSON: \(failure.message) at line \(line), column \(column)")
        }
        nodes = parser.nodes
    }

    var root: JSONValue { JSONValue(document: self, index: 0) }

    /// `node`'s value as `JSONValue.integer` reads it, from the document's bytes `text`.
    static func integer(_ node: Node, in text: UnsafeBufferPointer<UInt8>) -> Int? {
        guard node.kind == .number else { return nil }
        let text = text[Int(node.start)..<Int(node.end)]
        let negative = text.first == UInt8(ascii: "-")
        let digits = text.dropFirst(negative ? 1 : 0)
        if digits.count <= 15, digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) {
            let magnitude = digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
            return negative ? -magnitude : magnitude
        }
        guard let double = Double(String(decoding: text, as: UTF8.self)), double == double.rounded(), abs(double) < 1e15 else { return nil }
        return Int(double)
    }

    private struct Parser {
        struct Failure: Error {
            let message: String
            let offset: Int
        }

        var nodes: [Node] = []
        private var text = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
        private var at = 0

        mutating func document(_ text: UnsafeBufferPointer<UInt8>) throws(Failure) {
            self.text = text
            // A byte-order mark, as some editors write, is not part of the text (RFC 8259 section 8.1).
            if text.starts(with: [0xEF, 0xBB, 0xBF]) { at = 3 }
            skipSpace()
            try value(depth: 0)
            skipSpace()
            if at < text.count { throw Failure(message: "unexpected \(shown(at)) after the value", offset: at) }
        }

        private func shown(_ offset: Int) -> String {
            offset >= text.count ? "end of text" : (0x20..<0x7F).contains(text[offset]) ? "'\(Character(Unicode.Scalar(text[offset])))'" : "byte 0x\(String(text[offset], radix: 16, uppercase: true))"
        }

        /// Indented files are half spaces (a tokenizer.json's merges are eight to a line), so a run of
        /// spaces is stepped over eight bytes at a time.
        private mutating func skipSpace() {
            var i = at
            defer { at = i }
            while i < text.count {
                switch text[i] {
                case 0x20 where text.count - i >= 8:
                    let others = UInt64(littleEndian: UnsafeRawPointer(text.baseAddress! + i).loadUnaligned(as: UInt64.self)) ^ 0x2020_2020_2020_2020
                    i += others == 0 ? 8 : others.trailingZeroBitCount / 8
                case 0x20, 0x0A, 0x0D, 0x09: i += 1
                default: return
                }
            }
        }

        private mutating func add(_ kind: Kind, escaped: Bool = false, _ start: Int, _ end: Int) {
            nodes.append(Node(kind: kind, escaped: escaped, start: Int32(start), end: Int32(end), next: Int32(nodes.count + 1)))
        }

        private mutating func value(depth: Int) throws(Failure) {
            guard at < text.count else { throw Failure(message: "a value expected, found the end of text", offset: at) }
            switch text[at] {
            case UInt8(ascii: "{"): try container(.object, closer: UInt8(ascii: "}"), depth: depth)
            case UInt8(ascii: "["): try container(.array, closer: UInt8(ascii: "]"), depth: depth)
            case UInt8(ascii: "\""): try string()
            case UInt8(ascii: "t"): try literal("true", .boolean)
            case UInt8(ascii: "f"): try literal("false", .boolean)
            case UInt8(ascii: "n"): try literal("null", .null)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
            default: throw Failure(message: "a value expected, found \(shown(at))", offset: at)
            }
        }

        private mutating func container(_ kind: Kind, closer: UInt8, depth: Int) throws(Failure) {
            guard depth < JSONDocument.maximumDepth else {
                throw Failure(message: "nested deeper than \(JSONDocument.maximumDepth) levels", offset: at)
            }
            let index = nodes.count, start = at
            add(kind, start, start)
            at += 1
            skipSpace()
            if at < text.count && text[at] == closer {
                at += 1
            } else {
                while true {
                    if kind == .object {
                        guard at < text.count, text[at] == UInt8(ascii: "\"") else {
                            throw Failure(message: "a member name in quotes expected, found \(shown(at))", offset: at)
                        }
                        try string()
                        skipSpace()
                        guard at < text.count, text[at] == UInt8(ascii: ":") else {
                            throw Failure(message: "':' expected after a member name, found \(shown(at))", offset: at)
                        }
                        at += 1
                        skipSpace()
                    }
                    try value(depth: depth + 1)
                    skipSpace()
                    guard at < text.count, text[at] == UInt8(ascii: ",") || text[at] == closer else {
                        throw Failure(message: "',' or '\(Character(Unicode.Scalar(closer)))' expected, found \(shown(at))", offset: at)
                    }
                    at += 1
                    if text[at - 1] == closer { break }
                    skipSpace()
                }
            }
            nodes[index] = Node(kind: kind, escaped: false, start: Int32(start), end: Int32(at), next: Int32(nodes.count))
        }

        private mutating func literal(_ word: StaticString, _ kind: Kind) throws(Failure) {
            let start = at, count = word.utf8CodeUnitCount
            guard text.count - at >= count, memcmp(text.baseAddress! + at, word.utf8Start, count) == 0 else {
                throw Failure(message: "a value expected, found \(shown(at))", offset: at)
            }
            at += count
            add(kind, start, at)
        }

        private mutating func digits() -> Int {
            let start = at
            while at < text.count && (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(text[at]) { at += 1 }
            return at - start
        }

        private mutating func number() throws(Failure) {
            let start = at
            if text[at] == UInt8(ascii: "-") { at += 1 }
            let integerStart = at
            let integerDigits = digits()
            guard integerDigits > 0 else { throw Failure(message: "a digit expected after '-'", offset: at) }
            if integerDigits > 1 && text[integerStart] == UInt8(ascii: "0") {
                throw Failure(message: "a number cannot start with 0", offset: integerStart)
            }
            if at < text.count && text[at] == UInt8(ascii: ".") {
                at += 1
                guard digits() > 0 else { throw Failure(message: "a digit expected after '.'", offset: at) }
            }
            let exponent = at < text.count && (text[at] == UInt8(ascii: "e") || text[at] == UInt8(ascii: "E"))
            if exponent {
                at += 1
                if at < text.count && (text[at] == UInt8(ascii: "+") || text[at] == UInt8(ascii: "-")) { at += 1 }
                guard digits() > 0 else { throw Failure(message: "a digit expected in the exponent", offset: at) }
            }
            // Without an exponent, fifteen characters hold no number beyond a double's range.
            if exponent || at - start > 15, !(Double(String(decoding: UnsafeBufferPointer(rebasing: text[start..<at]), as: UTF8.self))?.isFinite ?? false) {
                throw Failure(message: "a number too large for a double", offset: start)
            }
            add(.number, start, at)
        }

        /// A string, from its opening quote; the node holds what lies between the quotes. Printable
        /// ASCII and two-byte UTF-8 (a byte-level vocabulary's alphabet) are stepped over in a local
        /// loop; the rest goes through `escape` and `utf8Sequence`.
        private mutating func string() throws(Failure) {
            let start = at + 1
            var i = start, escaped = false
            while true {
                guard i < text.count else { throw Failure(message: "a string is not closed", offset: start - 1) }
                let byte = text[i]
                if byte == UInt8(ascii: "\"") { break }
                if byte >= 0x20 && byte < 0x80 && byte != UInt8(ascii: "\\") {
                    i += 1
                    continue
                }
                if (0xC2...0xDF).contains(byte) && i + 1 < text.count && text[i + 1] & 0xC0 == 0x80 {
                    i += 2
                    continue
                }
                at = i
                if byte < 0x20 {
                    throw Failure(message: "a control character (0x\(String(byte, radix: 16, uppercase: true))) in a string must be escaped", offset: at)
                }
                if byte == UInt8(ascii: "\\") {
                    escaped = true
                    try escape()
                } else {
                    try utf8Sequence()
                }
                i = at
            }
            add(.string, escaped: escaped, start, i)
            at = i + 1
        }

        private mutating func escape() throws(Failure) {
            let start = at
            at += 1
            guard at < text.count else { throw Failure(message: "a string is not closed", offset: start) }
            switch text[at] {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                 UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                at += 1
            case UInt8(ascii: "u"):
                let unit = try hexUnit()
                if (0xDC00...0xDFFF).contains(unit) {
                    throw Failure(message: "a low surrogate (\\u\(String(unit, radix: 16, uppercase: true))) without a high one before it", offset: start)
                }
                if (0xD800...0xDBFF).contains(unit) {
                    guard text.count - at >= 2, text[at] == UInt8(ascii: "\\"), text[at + 1] == UInt8(ascii: "u") else {
                        throw Failure(message: "a high surrogate (\\u\(String(unit, radix: 16, uppercase: true))) without a low one after it", offset: start)
                    }
                    at += 1
                    guard (0xDC00...0xDFFF).contains(try hexUnit()) else {
                        throw Failure(message: "a high surrogate (\\u\(String(unit, radix: 16, uppercase: true))) without a low one after it", offset: start)
                    }
                }
            default:
                throw Failure(message: "\(shown(at)) is not an escape", offset: start)
            }
        }

        /// The four hex digits after `\u`, from the `u`.
        private mutating func hexUnit() throws(Failure) -> UInt32 {
            guard text.count - at >= 5 else { throw Failure(message: "\\u needs four hex digits", offset: at - 1) }
            var unit: UInt32 = 0
            for offset in 1...4 {
                guard let digit = JSONValue.hexValue(text[at + offset]) else {
                    throw Failure(message: "\\u needs four hex digits", offset: at - 1)
                }
                unit = unit << 4 | digit
            }
            at += 5
            return unit
        }

        /// One well-formed UTF-8 sequence of two to four bytes (RFC 3629: no overlong forms, no
        /// surrogates, nothing past U+10FFFF).
        private mutating func utf8Sequence() throws(Failure) {
            let lead = text[at]
            let count: Int, second: ClosedRange<UInt8>
            switch lead {
            case 0xC2...0xDF: (count, second) = (2, 0x80...0xBF)
            case 0xE0: (count, second) = (3, 0xA0...0xBF)
            case 0xE1...0xEC, 0xEE...0xEF: (count, second) = (3, 0x80...0xBF)
            case 0xED: (count, second) = (3, 0x80...0x9F)
            case 0xF0: (count, second) = (4, 0x90...0xBF)
            case 0xF1...0xF3: (count, second) = (4, 0x80...0xBF)
            case 0xF4: (count, second) = (4, 0x80...0x8F)
            default: throw Failure(message: "byte 0x\(String(lead, radix: 16, uppercase: true)) is not UTF-8", offset: at)
            }
            guard text.count - at >= count, second.contains(text[at + 1]),
                  (2..<count).allSatisfy({ (0x80...0xBF).contains(text[at + $0]) }) else {
                throw Failure(message: "byte 0x\(String(lead, radix: 16, uppercase: true)) starts an ill-formed UTF-8 sequence", offset: at)
            }
            at += count
        }
    }
}

/// One value of a `JSONDocument`.
struct JSONValue: Sendable {
    let document: JSONDocument
    let index: Int

    private var node: JSONDocument.Node { document.nodes[index] }

    var kind: JSONDocument.Kind { node.kind }
    /// Where the value is in the document: a string's bytes without its quotes, a container's from
    /// its opening bracket to past its closing one.
    var byteRange: Range<Int> { Int(node.start)..<Int(node.end) }
    var isNull: Bool { kind == .null }

    var bool: Bool? {
        guard kind == .boolean else { return nil }
        return document.contents.withBytes { $0[Int(node.start)] } == UInt8(ascii: "t")
    }

    /// A number with no fraction, within ±10^15 (so also exact as a double); `1.0` and `1e3` count, as
    /// they would after JSON's usual reading into a double.
    var integer: Int? { document.contents.withBytes { JSONDocument.integer(node, in: $0) } }

    var number: Double? {
        guard kind == .number else { return nil }
        return Double(document.contents.withBytes { String(decoding: $0[Int(node.start)..<Int(node.end)], as: UTF8.self) })
    }

    var string: String? {
        guard kind == .string else { return nil }
        return withUTF8 { String(decoding: $0, as: UTF8.self) }
    }

    /// Calls `body` with a string's UTF-8 bytes, its escapes decoded; nil for a value of another kind.
    func withUTF8<Result, Failure: Error>(_ body: (UnsafeBufferPointer<UInt8>) throws(Failure) -> Result) throws(Failure) -> Result? {
        let node = self.node
        guard node.kind == .string else { return nil }
        if node.escaped {
            let decoded = document.contents.withBytes { Self.unescaped(UnsafeBufferPointer(rebasing: $0[Int(node.start)..<Int(node.end)])) }
            return try decoded.withUnsafeBufferPointer { buffer throws(Failure) in try body(buffer) }
        }
        return try document.contents.withBytes { bytes throws(Failure) in
            try body(UnsafeBufferPointer(rebasing: bytes[Int(node.start)..<Int(node.end)]))
        }
    }

    /// An array's elements; none for a value of another kind.
    var elements: Children { Children(document: document, of: kind == .array ? index : nil) }

    /// An object's members in document order (a name listed twice comes twice); none for a value of
    /// another kind.
    var members: Members { Members(children: Children(document: document, of: kind == .object ? index : nil)) }

    struct Members: Sequence, IteratorProtocol {
        fileprivate var children: Children

        mutating func next() -> (name: JSONValue, value: JSONValue)? {
            guard let name = children.next(), let value = children.next() else { return nil }
            return (name, value)
        }
    }

    /// The values directly inside a container, in document order.
    struct Children: Sequence, IteratorProtocol, Sendable {
        let document: JSONDocument
        private var current: Int
        private let end: Int

        init(document: JSONDocument, of container: Int?) {
            self.document = document
            current = (container ?? 0) + 1
            end = container.map { Int(document.nodes[$0].next) } ?? 0
        }

        mutating func next() -> JSONValue? {
            guard current < end else { return nil }
            defer { current = Int(document.nodes[current].next) }
            return JSONValue(document: document, index: current)
        }
    }

    /// The number of an object's members or an array's elements.
    var count: Int {
        let count = Children(document: document, of: kind == .array || kind == .object ? index : nil).reduce(0) { count, _ in count + 1 }
        return kind == .object ? count / 2 : count
    }

    /// The value of an object's member `name` (the last, where a name is listed twice, as JSON readers
    /// commonly take it), or nil.
    subscript(name: String) -> JSONValue? {
        var name = name
        return name.withUTF8 { wanted in
            var found: JSONValue?
            for member in members {
                let node = member.name.node
                let matches = node.escaped ? member.name.string.map { $0.utf8.elementsEqual(wanted) } ?? false
                    : Int(node.end - node.start) == wanted.count
                        && (wanted.isEmpty || document.contents.withBytes { memcmp($0.baseAddress! + Int(node.start), wanted.baseAddress!, wanted.count) == 0 })
                if matches { found = member.value }
            }
            return found
        }
    }

    /// What kind of value this is, for error messages.
    var described: String {
        switch kind {
        case .null: "null"
        case .boolean: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    /// The UTF-8 a string's escapes stand for; the parse has checked every escape.
    private static func unescaped(_ text: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(text.count)
        var at = text.startIndex
        func unit(_ at: Int) -> UInt32 { (1...4).reduce(0) { $0 << 4 | hexValue(text[at + $1])! } }
        while at < text.endIndex {
            guard text[at] == UInt8(ascii: "\\") else {
                output.append(text[at])
                at += 1
                continue
            }
            let code = text[at + 1]
            at += 2
            switch code {
            case UInt8(ascii: "b"): output.append(0x08)
            case UInt8(ascii: "f"): output.append(0x0C)
            case UInt8(ascii: "n"): output.append(0x0A)
            case UInt8(ascii: "r"): output.append(0x0D)
            case UInt8(ascii: "t"): output.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = unit(at - 1)
                at += 4
                if (0xD800...0xDBFF).contains(scalar) {
                    scalar = 0x10000 + (scalar - 0xD800) << 10 + (unit(at + 1) - 0xDC00)
                    at += 6
                }
                output.append(contentsOf: UTF8.encode(Unicode.Scalar(scalar)!)!)
            default: output.append(code)  // \" \\ \/
            }
        }
        return output
    }
}
