import Foundation

/// Loading tiktoken rank files: one `base64-token rank` pair per line, the rank doubling as the token
/// id and as the merge priority. The file holds no pattern or special tokens; they come from the
/// encoding its name gives (`cl100k_base.tiktoken` is cl100k_base), or the pattern from the caller.
enum TiktokenFile {
    struct Encoding {
        let pattern: PreTokenizer
        let specialTokens: [String: UInt32]
    }

    /// The encodings tiktoken ships, keyed by the rank file's base name.
    static let encodings: [String: Encoding] = [
        "gpt2": Encoding(pattern: .gpt2, specialTokens: ["<|endoftext|>": 50256]),
        "r50k_base": Encoding(pattern: .gpt2, specialTokens: ["<|endoftext|>": 50256]),
        "p50k_base": Encoding(pattern: .gpt2, specialTokens: ["<|endoftext|>": 50256]),
        "cl100k_base": Encoding(pattern: .cl100k, specialTokens: [
            "<|endoftext|>": 100257, "<|fim_prefix|>": 100258, "<|fim_middle|>": 100259,
            "<|fim_suffix|>": 100260, "<|endofprompt|>": 100276,
        ]),
        "o200k_base": Encoding(pattern: .o200k, specialTokens: ["<|endoftext|>": 199999, "<|endofprompt|>": 200018]),
    ]

    static func load(path: String, pattern: PreTokenizer?) throws(TokenizerError) -> Tokenizer {
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let known = encodings[name]
        guard let pattern = pattern ?? known?.pattern else {
            throw TokenizerError("\(path): cannot tell the encoding from the file name; name the pre-tokenizer pattern (one of \(PreTokenizer.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let contents: Data
        do { contents = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw TokenizerError("cannot read \(path): \(error.localizedDescription)")
        }
        let tokens: [[UInt8]?]
        do { tokens = try parse(contents) } catch { throw error.located(in: path) }
        // An unknown encoding gets one special token, end-of-text, right after the ranks.
        let specials = known?.specialTokens ?? ["<|endoftext|>": UInt32(tokens.count)]
        for (content, id) in specials where Int(id) < tokens.count && tokens[Int(id)] != nil {
            throw TokenizerError("\(path): rank \(id) is a token in the file but is the special token \(content) of \(name)")
        }
        let model: BytePairModel
        do {
            model = try BytePairModel(tokens: tokens, merges: merges(of: tokens), shortcut: .anyToken)
        } catch { throw error.located(in: path) }
        let added = specials.sorted { $0.value < $1.value }.map {
            AddedToken(content: $0.key, id: $0.value, special: true, normalized: false, lstrip: false, rstrip: false, singleWord: false)
        }
        return Tokenizer(splits: [pattern], model: model, addedTokens: added,
                         source: "\(path) (tiktoken ranks, \(pattern.rawValue) pattern)")
    }

    /// Bounds what a hostile file can make the loader hold (about twenty bytes per token byte): real
    /// vocabularies' longest tokens are a few hundred bytes.
    static let maximumTokenBytes = 1 << 20

    /// Token byte strings indexed by rank.
    static func parse(_ contents: Data) throws(TokenizerError) -> [[UInt8]?] {
        var tokens: [[UInt8]?] = []
        var lineOfRank: [Int: Int] = [:]
        var rankOfToken: [[UInt8]: Int] = [:]
        var lineNumber = 0
        let lines = contents.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        let largestId = largestAllowedId(entries: lines.count)
        for line in lines {
            lineNumber += 1
            var line = line
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            if line.isEmpty { continue }
            let fields = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
            guard fields.count == 2 else {
                throw TokenizerError("line \(lineNumber): expected 'base64-token rank', got \(fields.count) space-separated fields")
            }
            guard fields[0].count <= (maximumTokenBytes + 2) / 3 * 4 else {
                throw TokenizerError("line \(lineNumber): a token of \(fields[0].count / 4 * 3) bytes or more is longer than any tokenizer uses (at most \(maximumTokenBytes))")
            }
            guard let token = Data(base64Encoded: Data(fields[0])).map(Array.init), !token.isEmpty else {
                throw TokenizerError("line \(lineNumber): '\(String(decoding: fields[0].prefix(40), as: UTF8.self))' is not valid base64 for a token")
            }
            guard let rank = Int(String(decoding: fields[1], as: UTF8.self)), rank >= 0 else {
                throw TokenizerError("line \(lineNumber): '\(String(decoding: fields[1].prefix(40), as: UTF8.self))' is not a rank (a non-negative integer)")
            }
            guard rank <= largestId else {
                throw TokenizerError("line \(lineNumber): rank \(rank) is far beyond the \(lines.count) lines of the file (at most \(largestId))")
            }
            if let earlier = lineOfRank[rank] {
                throw TokenizerError("line \(lineNumber): rank \(rank) is already used on line \(earlier)")
            }
            if let earlier = rankOfToken[token] {
                throw TokenizerError("line \(lineNumber): the token is already listed with rank \(earlier)")
            }
            lineOfRank[rank] = lineNumber
            rankOfToken[token] = rank
            if rank >= tokens.count { tokens += Array(repeating: nil, count: rank + 1 - tokens.count) }
            tokens[rank] = token
        }
        if rankOfToken.isEmpty { throw TokenizerError("the file has no ranks") }
        return tokens
    }

    /// tiktoken merges two adjacent parts when their concatenation is a token, lowest rank first.
    /// As pair rules: every split of a token into two tokens merges into it, with its rank as priority.
    ///
    /// Splits are found with polynomial hashes of every prefix and suffix, each computed in constant
    /// time from the token's prefix hashes, so a token of n bytes costs O(n) rather than the O(n²) of
    /// hashing each part anew; a hash hit is confirmed byte for byte.
    static func merges(of tokens: [[UInt8]?]) -> MergeTable {
        let base: UInt64 = 0x100_0000_01B3
        func hash(_ bytes: ArraySlice<UInt8>) -> UInt64 { bytes.reduce(0) { $0 &* base &+ UInt64($1) &+ 1 } }
        var byHash: [UInt64: [UInt32]] = [:]
        for (id, bytes) in tokens.enumerated() {
            if let bytes { byHash[hash(bytes[...]) ^ UInt64(bytes.count) << 56, default: []].append(UInt32(id)) }
        }
        func id(_ part: ArraySlice<UInt8>, hash: UInt64) -> UInt32? {
            byHash[hash ^ UInt64(part.count) << 56]?.first { tokens[Int($0)]![...] == part }
        }
        var rules: [(left: UInt32, right: UInt32, priority: UInt32, result: UInt32)] = []
        var prefix: [UInt64] = [], power: [UInt64] = [1]
        for (result, bytes) in tokens.enumerated() {
            guard let bytes, bytes.count > 1 else { continue }
            let n = bytes.count
            prefix = [0]
            for byte in bytes { prefix.append(prefix.last! &* base &+ UInt64(byte) &+ 1) }
            while power.count <= n { power.append(power.last! &* base) }
            for split in 1..<n {
                let suffixHash = prefix[n] &- prefix[split] &* power[n - split]
                if let left = id(bytes[..<split], hash: prefix[split]), let right = id(bytes[split...], hash: suffixHash) {
                    rules.append((left, right, UInt32(result), UInt32(result)))
                }
            }
        }
        return MergeTable(rules)
    }
}
