import Foundation
import WorkerPool

/// `model.merges` of a tokenizer.json, read in two steps. A merge is written `"left right"` or, since
/// tokenizers 0.20, `["left", "right"]`; each merge's position is its priority.
///
/// A large vocabulary has a few hundred thousand merges, three lookups each. First each merge's two
/// parts are spelled as bytes, straight from the file's bytes and the document's nodes (a `JSONValue`
/// for each would cost the document's reference count): this needs nothing from the vocabulary, so
/// it runs on another core while the vocabulary is read. Then, once the vocabulary's table exists,
/// the parts and their concatenation are looked up in stretches on all cores, a batch at a time with
/// the batch's slots prefetched: the table is larger than a core's cache, and three lookups a merge
/// one after another waited on each miss. A merge with escapes, or one that fails, is read again as
/// values, which also says what is wrong with it.
struct SpelledMerges: Sendable {
    typealias Rule = HuggingFaceTokenizerFile.Rule

    private let merges: JSONValue?
    /// The merges' nodes, in order.
    private let elements: [Int32]
    /// Merge k's left part is `bytes[start..<middle]` of `parts[k]`, its right part
    /// `bytes[middle..<end]`; `start` is -1 where the merge must be read as values.
    private let bytes: [UInt8]
    private let parts: [(start: Int32, middle: Int32, end: Int32)]

    /// Spells `model.merges`; nothing when it is missing or not an array (`rules` says so).
    init(_ merges: JSONValue?, spelling: HuggingFaceTokenizerFile.Spelling) {
        self.merges = merges
        guard let merges, merges.kind == .array else {
            (elements, bytes, parts) = ([], [], [])
            return
        }
        let document = merges.document
        var elements: [Int32] = [], parts: [(start: Int32, middle: Int32, end: Int32)] = []
        // A merge takes six bytes of the text at least ("a b",): room for that many is only touched
        // as it fills, and spares copying both lists each time they would have grown.
        elements.reserveCapacity(merges.byteRange.count / 6)
        parts.reserveCapacity(merges.byteRange.count / 6)
        // The parts are pieces of the array's text, and none spells more bytes than it has.
        bytes = [UInt8](unsafeUninitializedCapacity: merges.byteRange.count) { bytes, end in
            document.contents.withBytes { text in
                document.nodes.withUnsafeBufferPointer { nodes in
                    var child = merges.index + 1
                    while child < Int(nodes[merges.index].next) {
                        elements.append(Int32(child))
                        parts.append(Self.spell(child, text: text, nodes: nodes, spelling: spelling, into: bytes.baseAddress!, at: &end) ?? (-1, -1, -1))
                        child = Int(nodes[child].next)
                    }
                }
            }
        }
        (self.elements, self.parts) = (elements, parts)
    }

    /// Spells a merge's two parts to `bytes` from `end` on, and moves `end` past them; nil, with
    /// `end` where it was, when the merge must be read as values (escapes, another shape, a
    /// character outside the alphabet).
    private static func spell(_ at: Int, text: UnsafeBufferPointer<UInt8>, nodes: UnsafeBufferPointer<JSONDocument.Node>,
                              spelling: HuggingFaceTokenizerFile.Spelling, into bytes: UnsafeMutablePointer<UInt8>,
                              at end: inout Int) -> (start: Int32, middle: Int32, end: Int32)? {
        func slice(_ node: JSONDocument.Node) -> UnsafeBufferPointer<UInt8> {
            UnsafeBufferPointer(rebasing: text[Int(node.start)..<Int(node.end)])
        }
        let node = nodes[at]
        let left, right: UnsafeBufferPointer<UInt8>
        if node.kind == .string && !node.escaped {
            let line = slice(node)
            guard let space = line.firstIndex(of: UInt8(ascii: " ")), !line[(space + 1)...].contains(UInt8(ascii: " ")) else { return nil }
            (left, right) = (UnsafeBufferPointer(rebasing: line[..<space]), UnsafeBufferPointer(rebasing: line[(space + 1)...]))
        } else if node.kind == .array && Int(node.next) == at + 3, nodes[at + 1].kind == .string, !nodes[at + 1].escaped,
                  nodes[at + 2].kind == .string, !nodes[at + 2].escaped {
            (left, right) = (slice(nodes[at + 1]), slice(nodes[at + 2]))
        } else {
            return nil
        }
        guard let leftCount = spelling.write(left, to: bytes + end),
              let rightCount = spelling.write(right, to: bytes + end + leftCount) else { return nil }
        defer { end += leftCount + rightCount }
        return (Int32(end), Int32(end + leftCount), Int32(end + leftCount + rightCount))
    }

    /// The merges as pair rules with the ids of `table`, or the first merge that is wrong.
    func rules(table: ByteStringTable, spelling: HuggingFaceTokenizerFile.Spelling) throws(TokenizerError) -> [Rule] {
        guard let merges else { throw TokenizerError("model.merges: missing") }
        guard merges.kind == .array else { throw TokenizerError("model.merges: expected an array, got \(merges.described)") }
        let stretch = 16_384
        let stretches = parallelMap((elements.count + stretch - 1) / stretch, threads: ProcessInfo.processInfo.activeProcessorCount) { k in
            lookUp(k * stretch..<min((k + 1) * stretch, elements.count), in: merges.document, table: table, spelling: spelling)
        }
        var rules: [Rule] = []
        rules.reserveCapacity(elements.count)
        for stretch in stretches {
            switch stretch {
            case .success(let more): rules += more
            case .failure(let error): throw error
            }
        }
        return rules
    }

    /// The rules of the merges at `positions`, whose nodes are in `document`.
    private func lookUp(_ positions: Range<Int>, in document: JSONDocument, table: ByteStringTable,
                        spelling: HuggingFaceTokenizerFile.Spelling) -> Result<[Rule], TokenizerError> {
        let batch = 32
        var rules: [Rule] = []
        rules.reserveCapacity(positions.count)
        return bytes.withUnsafeBufferPointer { bytes in
            func range(_ from: Int32, _ to: Int32) -> UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: bytes[Int(from)..<Int(to)]) }
            for first in stride(from: positions.lowerBound, to: positions.upperBound, by: batch) {
                let batch = first..<min(first + batch, positions.upperBound)
                for (start, middle, end) in parts[batch] where start >= 0 {
                    table.prefetch(range(start, middle))
                    table.prefetch(range(middle, end))
                    table.prefetch(range(start, end))
                }
                for position in batch {
                    let (start, middle, end) = parts[position]
                    if start >= 0, let left = table.id(of: range(start, middle)), let right = table.id(of: range(middle, end)),
                       let result = table.id(of: range(start, end)) {
                        rules.append((left, right, UInt32(position), result))
                        continue
                    }
                    switch Self.rule(JSONValue(document: document, index: Int(elements[position])), table: table, spelling: spelling) {
                    case .success(let (left, right, result)): rules.append((left, right, UInt32(position), result))
                    case .failure(let problem): return .failure(TokenizerError("model.merges[\(position)]: \(problem.description)"))
                    }
                }
            }
            return .success(rules)
        }
    }

    /// One merge read as values, escapes and all: its parts' ids and the id they merge into, or what
    /// is wrong with it.
    private static func rule(_ merge: JSONValue, table: ByteStringTable, spelling: HuggingFaceTokenizerFile.Spelling) -> Result<(UInt32, UInt32, UInt32), Problem> {
        let parts: [String]
        if let line = merge.string {
            // Split at each space scalar, as Hugging Face does: a space followed by a combining mark
            // is one Character, which splitting the String would not split.
            parts = line.unicodeScalars.split(separator: " ", omittingEmptySubsequences: false).map { String(String.UnicodeScalarView($0)) }
        } else if merge.kind == .array, merge.elements.allSatisfy({ $0.kind == .string }) {
            parts = merge.elements.map { $0.string! }
        } else {
            return .failure(Problem("expected \"left right\" or [\"left\", \"right\"], got \(merge.described)"))
        }
        guard parts.count == 2 else { return .failure(Problem("expected two tokens, got \(parts.count)")) }
        var ids: [UInt32] = []
        for part in parts {
            guard let bytes = spelling.bytes(of: part), let id = table.id(of: bytes) else {
                return .failure(Problem("\(quoted(part)) is not in model.vocab"))
            }
            ids.append(id)
        }
        guard let result = spelling.bytes(of: parts[0] + parts[1]).flatMap({ table.id(of: $0) }) else {
            return .failure(Problem("merging \(quoted(parts[0])) and \(quoted(parts[1])) gives \(quoted(parts[0] + parts[1])), which is not in model.vocab"))
        }
        return .success((ids[0], ids[1], result))
    }

    private struct Problem: Error {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
