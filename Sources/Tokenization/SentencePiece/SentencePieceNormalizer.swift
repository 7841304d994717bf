import Foundation

/// SentencePiece's normalizer as `sentencepiece` runs it (normalizer.cc, `Normalizer::Normalize`) for a
/// model with a character map (`nmt_nfkc`, `nfkc`, `nmt_nfkc_cf`, a custom rule) or without
/// (`identity`).
///
/// The text is read from the start, one rule at a time: a user-defined piece beginning there (the
/// longest) is kept as it is; else the longest key of the map is replaced by its string; else one
/// character is kept. Under `remove_extra_whitespaces`, what the rules make of the text's start is
/// dropped while it is a lone space, the spaces that begin a replacement following one that ended
/// in a space are dropped, and spaces (or `▁`s, when escaping) at the end of the result are dropped.
/// Text left empty stays empty; else `add_dummy_prefix` puts a space first. `escape_whitespaces`
/// writes each space of the result as `▁`.
public struct SentencePieceNormalizer: Sendable, Equatable {
    let map: PrecompiledCharacterMap?
    /// User-defined pieces, longest first: the map never rewrites them.
    let kept: [[UInt8]]
    let addsDummyPrefix: Bool
    let removesExtraSpaces: Bool
    let escapesSpaces: Bool
    /// Whether a rule may apply where a byte is (a kept piece or a key of the map begins with it):
    /// most characters of most text are copied as they are, without looking anything up.
    private let mayRewrite: [Bool]

    init(map: PrecompiledCharacterMap?, kept: [String], addsDummyPrefix: Bool, removesExtraSpaces: Bool, escapesSpaces: Bool) {
        self.map = map
        self.kept = kept.map { Array($0.utf8) }.sorted { $0.count > $1.count }
        self.addsDummyPrefix = addsDummyPrefix
        self.removesExtraSpaces = removesExtraSpaces
        self.escapesSpaces = escapesSpaces
        let kept = self.kept
        mayRewrite = (0...255).map { byte in
            kept.contains { $0.first == UInt8(byte) } || map?.hasKey(beginningWith: UInt8(byte)) ?? false
        }
    }

    private static let space = UInt8(ascii: " ")
    private static let spaceSymbol: [UInt8] = [0xE2, 0x96, 0x81]

    /// What the rules make of the text at `start`, and how many bytes they read.
    private func rewrite(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int) -> (ArraySlice<UInt8>, length: Int)? {
        for piece in kept where piece.count <= bytes.count - start
            && piece.withUnsafeBufferPointer({ memcmp($0.baseAddress!, bytes.baseAddress! + start, piece.count) == 0 }) {
            return (piece[...], piece.count)
        }
        return map?.longestMatch(in: bytes, from: start).map { ($0.replacement, $0.length) }
    }

    /// The bytes of the character a lead byte begins (text is valid UTF-8).
    static func characterLength(lead: UInt8) -> Int {
        lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
    }

    func normalize(_ text: String) -> String {
        var text = text
        let result = text.withUTF8 { bytes -> [UInt8] in
            var i = 0
            if removesExtraSpaces {
                while i < bytes.count {
                    if let (replacement, length) = rewrite(bytes, at: i) {
                        guard replacement.elementsEqual([Self.space]) else { break }
                        i += length
                    } else {
                        guard bytes[i] == Self.space else { break }
                        i += 1
                    }
                }
            }
            guard i < bytes.count else { return [] }
            var output: [UInt8] = []
            output.reserveCapacity(bytes.count + bytes.count / 4 + 3)
            func append(_ byte: UInt8) {
                if escapesSpaces && byte == Self.space { output += Self.spaceSymbol } else { output.append(byte) }
            }
            if addsDummyPrefix { append(Self.space) }
            var afterSpace = removesExtraSpaces
            func emit<Piece: BidirectionalCollection<UInt8>>(_ piece: Piece) {
                var piece = piece[...]
                if afterSpace { while piece.first == Self.space { piece.removeFirst() } }
                if !piece.isEmpty {
                    for byte in piece { append(byte) }
                    afterSpace = piece.last == Self.space
                }
                if !removesExtraSpaces { afterSpace = false }
            }
            while i < bytes.count {
                let byte = bytes[i]
                if byte < 0x80 && !mayRewrite[Int(byte)] {
                    // emit([byte]), without its generality; a run of such bytes other than spaces
                    // (a word) is copied at once.
                    if byte != Self.space {
                        var runEnd = i + 1
                        while runEnd < bytes.count && bytes[runEnd] < 0x80 && bytes[runEnd] != Self.space && !mayRewrite[Int(bytes[runEnd])] {
                            runEnd += 1
                        }
                        output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[i..<runEnd]))
                        afterSpace = false
                        i = runEnd
                        continue
                    } else if !afterSpace {
                        append(byte)
                        afterSpace = removesExtraSpaces
                    }
                    i += 1
                } else if let (replacement, length) = rewrite(bytes, at: i) {
                    emit(replacement)
                    i += length
                } else {
                    let length = min(Self.characterLength(lead: bytes[i]), bytes.count - i)
                    emit(bytes[i..<(i + length)])
                    i += length
                }
            }
            if removesExtraSpaces {
                let tail = escapesSpaces ? Self.spaceSymbol : [Self.space]
                while output.count >= tail.count && output.suffix(tail.count).elementsEqual(tail) { output.removeLast(tail.count) }
            }
            return output
        }
        return String(decoding: result, as: UTF8.self)
    }

    /// For `--explain`.
    var description: String {
        let options = [(map != nil, "its character map"), (removesExtraSpaces, "remove_extra_whitespaces"),
                       (addsDummyPrefix, "add_dummy_prefix"), (escapesSpaces, "escape_whitespaces")].filter(\.0).map(\.1)
        return "SentencePiece's normalizer" + (options.isEmpty ? "" : " with " + options.joined(separator: ", "))
    }
}
