/// The normalizers of `tokenizers` that are neither Unicode forms nor string edits: `Precompiled`
/// (SentencePiece's character map, as `tokenizers` applies it) and `Strip`.
extension TextNormalizer {
    /// `tokenizers`' `Precompiled`: each grapheme cluster shorter than 6 bytes is replaced whole by the
    /// replacement of the shortest key it begins with (even a key shorter than the cluster: the rest
    /// of the cluster is dropped, as `tokenizers` drops it); any other cluster, or one no key begins,
    /// is rewritten character by character the same way, a character no key begins kept.
    static func precompiled(_ text: String, map: PrecompiledCharacterMap) -> String {
        var result: [UInt8] = []
        result.reserveCapacity(text.utf8.count)
        for cluster in text {
            var cluster = String(cluster)
            let whole = cluster.withUTF8 { bytes in bytes.count < 6 ? map.shortestMatch(in: bytes, stoppingAtNul: true) : nil }
            if let whole {
                result += whole
                continue
            }
            for scalar in cluster.unicodeScalars {
                var character = String(scalar)
                if let replacement = character.withUTF8({ map.shortestMatch(in: $0, stoppingAtNul: true) }) {
                    result += replacement
                } else {
                    result += character.utf8
                }
            }
        }
        return String(decoding: result, as: UTF8.self)
    }

    /// `Strip`: white space (Unicode's White_Space, as Rust's `trim_start` and `trim_end`) dropped from
    /// either end.
    static func stripped(_ text: String, left: Bool, right: Bool) -> String {
        var scalars = Substring(text).unicodeScalars[...]
        if left { while let first = scalars.first, first.properties.isWhitespace { scalars.removeFirst() } }
        if right { while let last = scalars.last, last.properties.isWhitespace { scalars.removeLast() } }
        return String(scalars)
    }
}
