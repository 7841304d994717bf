/// What a pre-tokenizer does to the spaces of each stretch of text before cutting it: Hugging Face's
/// ByteLevel with `add_prefix_space` puts a space before a stretch that lacks one; its Metaspace
/// replaces every space with `▁` and puts a `▁` before the stretch (every stretch, or only the one at
/// the start of the text, by its `prepend_scheme`) unless it starts with one.
public struct SpaceMarking: Sendable, Equatable {
    public enum Prefix: String, Sendable { case never, always, first }

    /// What replaces each space; nil keeps spaces.
    public let replacement: String?
    /// What goes before a stretch that does not start with it.
    public let prefix: String
    public let scheme: Prefix

    public static let none = SpaceMarking(replacement: nil, prefix: " ", scheme: .never)
    /// ByteLevel's `add_prefix_space`.
    public static let byteLevelPrefix = SpaceMarking(replacement: nil, prefix: " ", scheme: .always)

    public static func metaspace(_ replacement: String, scheme: Prefix) -> SpaceMarking {
        SpaceMarking(replacement: replacement, prefix: replacement, scheme: scheme)
    }

    private func prefixes(_ stretch: UnsafeBufferPointer<UInt8>, atTextStart: Bool) -> Bool {
        switch scheme {
        case .never: return false
        case .always: break
        case .first: guard atTextStart else { return false }
        }
        let first = stretch.first == UInt8(ascii: " ") ? Array((replacement ?? " ").utf8) : Array(stretch.prefix(prefix.utf8.count))
        return !first.elementsEqual(prefix.utf8)
    }

    /// Whether `marked` would differ from the stretch.
    func changes(_ stretch: UnsafeBufferPointer<UInt8>, atTextStart: Bool) -> Bool {
        (replacement != nil && stretch.contains(UInt8(ascii: " "))) || prefixes(stretch, atTextStart: atTextStart)
    }

    func marked(_ stretch: UnsafeBufferPointer<UInt8>, atTextStart: Bool) -> [UInt8] {
        var result: [UInt8] = prefixes(stretch, atTextStart: atTextStart) ? Array(prefix.utf8) : []
        result.reserveCapacity(result.count + stretch.count + stretch.count / 4)
        if let replacement {
            for byte in stretch {
                if byte == UInt8(ascii: " ") { result += replacement.utf8 } else { result.append(byte) }
            }
        } else {
            result += stretch
        }
        return result
    }

    /// How it reads in `--explain`.
    var description: String {
        var parts: [String] = []
        if let replacement { parts.append("each space replaced with \(quoted(replacement))") }
        switch scheme {
        case .never: break
        case .always: parts.append("\(quoted(prefix)) before each stretch of text that lacks one")
        case .first: parts.append("\(quoted(prefix)) before the text when it lacks one")
        }
        return parts.joined(separator: "; ")
    }
}
