/// A token of a tokenizer.json's `added_tokens`, with its options as Hugging Face defines them.
public struct AddedToken: Sendable, Equatable {
    public let content: String
    public let id: UInt32
    /// Special tokens are never produced from text (Hugging Face's `encode_special_tokens`).
    public let special: Bool
    /// Matched in the normalized text (its content normalized too), not in the text as written.
    public let normalized: Bool
    /// The match takes in the white space before it (`lstrip`) or after it (`rstrip`).
    public let lstrip: Bool
    public let rstrip: Bool
    /// A match with a word character (`\w`) right before or after it is not a match.
    public let singleWord: Bool
}

extension AddedToken {
    /// The ids Hugging Face gives added tokens when it loads a tokenizer.json: it adds them again in
    /// order and ignores the ids written there (it only warns when they differ). A content seen before
    /// keeps its id; a content that is a vocabulary key takes that key's id; any other takes the id
    /// after the vocabulary's `count` keys, or after the largest added id once that is past them.
    public static func huggingFaceIds(of contents: [String], vocabularyCount count: Int, vocabularyId: (String) -> Int?) -> [Int] {
        // Keyed by bytes, as Hugging Face's map is: `é` and `e` + U+0301 are two contents.
        var given: [[UInt8]: Int] = [:]
        var largest: Int?
        return contents.map { content in
            let id = given[Array(content.utf8)] ?? vocabularyId(content) ?? largest.map { $0 >= count ? $0 + 1 : count } ?? count
            given[Array(content.utf8)] = id
            largest = max(largest ?? id, id)
            return id
        }
    }
}

/// Finds added tokens in text as Hugging Face does: leftmost-longest matches (its Aho-Corasick
/// automaton), scanning on after each match even when the match is then discarded for
/// `single_word`; `lstrip` and `rstrip` widen a kept match over adjacent white space.
struct AddedTokenMatcher: Sendable {
    private let entries: [AddedToken]
    /// A byte trie of the entries' spellings, flat for speed: the node each first byte leads to (or
    /// -1), then each node's edges `edgeStart[node]..<edgeStart[node + 1]` as parallel byte and target
    /// arrays. Most text never gets past the first table.
    private let rootChild: [Int32]
    private let edgeStart: [Int32]
    private let edgeBytes: [UInt8]
    private let edgeTargets: [Int32]
    /// The entry ending at each node, or -1.
    private let terminal: [Int32]

    /// `tokens` each matched as `spelling(token)`; tokens spelled empty never match.
    init(_ tokens: [AddedToken], spelling: (AddedToken) -> String) {
        var entries: [AddedToken] = [], children: [[UInt8: Int32]] = [[:]], terminal: [Int32] = [-1]
        for token in tokens {
            let bytes = Array(spelling(token).utf8)
            guard !bytes.isEmpty else { continue }
            var node = 0
            for byte in bytes {
                if let next = children[node][byte] {
                    node = Int(next)
                } else {
                    children.append([:])
                    terminal.append(-1)
                    children[node][byte] = Int32(children.count - 1)
                    node = children.count - 1
                }
            }
            // The first of equal contents wins, as Hugging Face's automaton gives.
            if terminal[node] < 0 {
                terminal[node] = Int32(entries.count)
                entries.append(token)
            }
        }
        var rootChild = [Int32](repeating: -1, count: 256)
        for (byte, node) in children[0] { rootChild[Int(byte)] = node }
        var edgeStart: [Int32] = [], edgeBytes: [UInt8] = [], edgeTargets: [Int32] = []
        for edges in children {
            edgeStart.append(Int32(edgeBytes.count))
            for (byte, node) in edges.sorted(by: { $0.key < $1.key }) {
                edgeBytes.append(byte)
                edgeTargets.append(node)
            }
        }
        edgeStart.append(Int32(edgeBytes.count))
        self.entries = entries
        self.rootChild = rootChild
        self.edgeStart = edgeStart
        self.edgeBytes = edgeBytes
        self.edgeTargets = edgeTargets
        self.terminal = terminal
    }

    /// Calls `body` with the pieces of `bytes` in order: an added token's range with its id, or the
    /// range of text between them with nil. Text between matches is never empty; an empty text is
    /// one empty piece.
    func forEachPiece(of bytes: UnsafeBufferPointer<UInt8>, _ body: (Range<Int>, UInt32?) -> Void) {
        guard !entries.isEmpty else { return body(0..<bytes.count, nil) }
        var pieceStart = 0, i = 0
        while i < bytes.count {
            // The hot loop: past every byte that starts no added token.
            rootChild.withUnsafeBufferPointer { root in
                while i < bytes.count && root[Int(bytes[i])] < 0 { i += 1 }
            }
            guard i < bytes.count else { break }
            guard let (entry, matchEnd) = longestMatch(in: bytes, at: i) else {
                i += 1
                continue
            }
            var start = i, stop = matchEnd
            i = matchEnd
            let token = entries[entry]
            if token.singleWord && (isWordCharacter(endingAt: start, in: bytes) || isWordCharacter(startingAt: stop, in: bytes)) {
                continue
            }
            if token.lstrip { start = whitespaceStart(before: start, notBefore: pieceStart, in: bytes) }
            if token.rstrip { stop = whitespaceEnd(from: stop, in: bytes) }
            if pieceStart < start { body(pieceStart..<start, nil) }
            body(start..<stop, token.id)
            pieceStart = stop
        }
        if pieceStart != bytes.count || bytes.isEmpty { body(pieceStart..<bytes.count, nil) }
    }

    private func longestMatch(in bytes: UnsafeBufferPointer<UInt8>, at start: Int) -> (entry: Int, end: Int)? {
        var node = Int(rootChild[Int(bytes[start])]), i = start + 1
        var best: (Int, Int)? = terminal[node] >= 0 ? (Int(terminal[node]), i) : nil
        while i < bytes.count {
            let byte = bytes[i]
            guard let edge = (Int(edgeStart[node])..<Int(edgeStart[node + 1])).first(where: { edgeBytes[$0] == byte }) else { break }
            node = Int(edgeTargets[edge])
            i += 1
            if terminal[node] >= 0 { best = (Int(terminal[node]), i) }
        }
        return best
    }

    private func scalar(endingAt i: Int, in bytes: UnsafeBufferPointer<UInt8>) -> (Unicode.Scalar, start: Int)? {
        guard i > 0 else { return nil }
        var start = i - 1
        while start > 0 && bytes[start] & 0xC0 == 0x80 { start -= 1 }
        return (decodeScalar(UnsafeBufferPointer(rebasing: bytes[start..<i])), start)
    }

    private func scalar(startingAt i: Int, in bytes: UnsafeBufferPointer<UInt8>) -> (Unicode.Scalar, end: Int)? {
        guard i < bytes.count else { return nil }
        var end = i + 1
        while end < bytes.count && bytes[end] & 0xC0 == 0x80 { end += 1 }
        return (decodeScalar(UnsafeBufferPointer(rebasing: bytes[i..<end])), end)
    }

    private func isWordCharacter(endingAt i: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        scalar(endingAt: i, in: bytes).map { isWord($0.0) } ?? false
    }

    private func isWordCharacter(startingAt i: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        scalar(startingAt: i, in: bytes).map { isWord($0.0) } ?? false
    }

    /// Where the white space before `i` starts, but not before `limit`: white space a previous match
    /// took in stays with it.
    private func whitespaceStart(before i: Int, notBefore limit: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var start = i
        while start > limit, let (scalar, previous) = scalar(endingAt: start, in: bytes), scalar.properties.isWhitespace { start = previous }
        return max(start, limit)
    }

    private func whitespaceEnd(from i: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var end = i
        while let (scalar, next) = scalar(startingAt: end, in: bytes), scalar.properties.isWhitespace { end = next }
        return end
    }

    /// `\w` of Rust's regex crate: Alphabetic, marks, decimal digits, connector punctuation, joiners.
    private func isWord(_ scalar: Unicode.Scalar) -> Bool {
        let properties = scalar.properties
        if properties.isAlphabetic || properties.isJoinControl { return true }
        switch properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .connectorPunctuation: return true
        default: return false
        }
    }

    private func decodeScalar(_ bytes: UnsafeBufferPointer<UInt8>) -> Unicode.Scalar {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        if case .scalarValue(let scalar) = decoder.decode(&iterator) { return scalar }
        return "\u{FFFD}"
    }
}
