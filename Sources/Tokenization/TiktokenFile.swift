import Foundation
import WorkerPool

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
        let contents = try fileBytes(path)
        let merges: MergeRules
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let known = encodings[name]
        guard let pattern = pattern ?? known?.pattern else {
            throw TokenizerError("\(path): cannot tell the encoding from the file name; name the pre-tokenizer pattern (one of \(PreTokenizer.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let tokens: TokenSpellings, table: ByteStringTable
        do {
            let (spellings, lineOfRank) = try parse(contents)
            tokens = spellings
            // Derived on another core while this one indexes the spellings.
            merges = MergeRules { Self.merges(of: spellings) }
            table = try index(spellings, lineOfRank: lineOfRank)
        } catch { throw error.located(in: path) }
        // An unknown encoding gets one special token, end-of-text, right after the ranks.
        let specials = known?.specialTokens ?? ["<|endoftext|>": UInt32(tokens.count)]
        for (content, id) in specials where Int(id) < tokens.count && !tokens.isEmpty(Int(id)) {
            throw TokenizerError("\(path): rank \(id) is a token in the file but is the special token \(content) of \(name)")
        }
        let model: BytePairModel
        do {
            model = try BytePairModel(tokens: tokens, vocabulary: table, merges: merges, shortcut: .anyToken)
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

    /// Token spellings indexed by rank, and the line of each rank (0 for a rank not listed). One pass
    /// over the bytes, decoding base64 and ranks by hand into one arena: the file has a hundred
    /// thousand lines or more, and every process that tokenizes loads it.
    static func parse(_ bytes: [UInt8]) throws(TokenizerError) -> (spellings: TokenSpellings, lineOfRank: [Int32]) {
        let largestId = largestAllowedId(entries: bytes.reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 })
        var listed = TokenSpellings()      // in line order
        listed.reserveCapacity(tokens: largestId / 2, bytes: bytes.count)
        var rankOfListing: [Int] = []
        var lineOfRank = [Int32](repeating: 0, count: largestId + 1)  // 0: the rank is not used yet
        try bytes.withUnsafeBufferPointer { bytes throws(TokenizerError) in
            var lineNumber = 0, start = 0
            while start < bytes.count {
                lineNumber += 1
                let end = memchr(bytes.baseAddress! + start, Int32(UInt8(ascii: "\n")), bytes.count - start)
                    .map { UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) - bytes.baseAddress! } ?? bytes.count
                defer { start = end + 1 }
                var lineEnd = end
                if lineEnd > start && bytes[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
                if lineEnd == start { continue }
                let line = UnsafeBufferPointer(rebasing: bytes[start..<lineEnd])
                guard let space = line.firstIndex(of: UInt8(ascii: " ")), !line[(space + 1)...].contains(UInt8(ascii: " ")) else {
                    throw TokenizerError("line \(lineNumber): expected 'base64-token rank', got \(line.reduce(1) { $1 == UInt8(ascii: " ") ? $0 + 1 : $0 }) space-separated fields")
                }
                let encoded = UnsafeBufferPointer(rebasing: line[..<space]), digits = UnsafeBufferPointer(rebasing: line[(space + 1)...])
                guard encoded.count <= (maximumTokenBytes + 2) / 3 * 4 else {
                    throw TokenizerError("line \(lineNumber): a token of \(encoded.count / 4 * 3) bytes or more is longer than any tokenizer uses (at most \(maximumTokenBytes))")
                }
                guard listed.append(decoding: { Base64.decode(encoded, appendingTo: &$0) }), !listed.isEmpty(listed.count - 1) else {
                    throw TokenizerError("line \(lineNumber): '\(String(decoding: encoded.prefix(40), as: UTF8.self))' is not valid base64 for a token")
                }
                guard !digits.isEmpty, digits.count <= 18, digits.allSatisfy({ $0 &- UInt8(ascii: "0") < 10 }) else {
                    throw TokenizerError("line \(lineNumber): '\(String(decoding: digits.prefix(40), as: UTF8.self))' is not a rank (a non-negative integer)")
                }
                let rank = digits.reduce(0) { $0 * 10 + Int($1 &- UInt8(ascii: "0")) }
                guard rank <= largestId else {
                    throw TokenizerError("line \(lineNumber): rank \(rank) is far beyond the \(lineNumber) lines of the file (at most \(largestId))")
                }
                if lineOfRank[rank] != 0 {
                    throw TokenizerError("line \(lineNumber): rank \(rank) is already used on line \(lineOfRank[rank])")
                }
                lineOfRank[rank] = Int32(lineNumber)
                rankOfListing.append(rank)
            }
        }
        if rankOfListing.isEmpty { throw TokenizerError("the file has no ranks") }
        // Rank files list ranks in order, which makes the listing the spellings by rank as it is.
        var spellings = listed
        if !rankOfListing.enumerated().allSatisfy({ $0.offset == $0.element }) {
            var listingOfRank = [Int](repeating: -1, count: rankOfListing.max()! + 1)
            for (listing, rank) in rankOfListing.enumerated() { listingOfRank[rank] = listing }
            spellings = TokenSpellings()
            for listing in listingOfRank { listing < 0 ? spellings.append([] as [UInt8]) : spellings.append(listed[listing]) }
        }
        return (spellings, lineOfRank)
    }

    /// The table that finds a spelling's rank; a token listed twice is an error.
    static func index(_ spellings: TokenSpellings, lineOfRank: [Int32]) throws(TokenizerError) -> ByteStringTable {
        let (table, duplicates) = ByteStringTable.indexing(spellings)
        // A token listed twice is reported at the later of its lines, naming the rank listed first.
        if let (line, first) = duplicates.map({ pair -> (Int32, UInt32) in
            lineOfRank[Int(pair.kept)] < lineOfRank[Int(pair.other)] ? (lineOfRank[Int(pair.other)], pair.kept) : (lineOfRank[Int(pair.kept)], pair.other)
        }).min(by: { $0.0 < $1.0 }) {
            throw TokenizerError("line \(line): the token is already listed with rank \(first)")
        }
        return table
    }

    /// tiktoken merges two adjacent parts when their concatenation is a token, lowest rank first.
    /// As pair rules: every split of a token into two tokens merges into it, with its rank as priority.
    ///
    /// Splits are found with polynomial hashes of every prefix and suffix, each computed in constant
    /// time from the token's prefix hashes, so a token of n bytes costs O(n) rather than the O(n²) of
    /// hashing each part anew; a hash hit is confirmed byte for byte. The hashes index the tokens in
    /// one open-addressing table, without an allocation per token.
    static func merges(of tokens: TokenSpellings) -> MergeTable {
        var capacity = 16
        while capacity < tokens.count * 2 { capacity <<= 1 }
        let mask = capacity - 1
        // A slot holds a token and 32 bits of its key, so a probe reads one slot until a part is
        // likely that token; the bytes decide.
        var slots = [(tag: UInt32, id: UInt32)](repeating: (0, UInt32.max), count: capacity)
        tokens.arena.withUnsafeBufferPointer { arena in
            let starts = tokens.starts
            for id in 0..<tokens.count where starts[id] < starts[id + 1] {
                let k = key(arena[starts[id]..<starts[id + 1]].reduce(0) { $0 &* base &+ UInt64($1) &+ 1 }, starts[id + 1] - starts[id])
                var s = slot(k, mask)
                while slots[s].id != UInt32.max { s = (s + 1) & mask }
                slots[s] = (UInt32(truncatingIfNeeded: k), UInt32(id))
            }
        }
        // Each stretch of tokens is split on its own core: a hundred thousand tokens make half a
        // million splits, two lookups each, mostly cache misses, and until the table is there every
        // merge looks its pair up by concatenation, more slowly.
        let table = slots, stretch = 16_384
        let stretches = parallelMap((tokens.count + stretch - 1) / stretch, threads: ProcessInfo.processInfo.activeProcessorCount) { k in
            splits(of: tokens, results: (k * stretch)..<min((k + 1) * stretch, tokens.count), slots: table, mask: mask)
        }
        return MergeTable(Array(stretches.joined()))
    }

    /// The polynomial hash's base, and a token's key: its hash with its length in the top byte.
    private static let base: UInt64 = 0x100_0000_01B3
    private static func key(_ hash: UInt64, _ count: Int) -> UInt64 { hash ^ UInt64(count) << 56 }
    private static func slot(_ key: UInt64, _ mask: Int) -> Int { Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask }

    /// The rules of `tokens[results]`: each split of one into two tokens.
    private static func splits(of tokens: TokenSpellings, results: Range<Int>, slots: [(tag: UInt32, id: UInt32)], mask: Int)
        -> [(left: UInt32, right: UInt32, priority: UInt32, result: UInt32)] {
        var rules: [(left: UInt32, right: UInt32, priority: UInt32, result: UInt32)] = []
        tokens.arena.withUnsafeBufferPointer { arena in
            let starts = tokens.starts
            slots.withUnsafeBufferPointer { slots in
                func id(_ part: Range<Int>, hash: UInt64) -> UInt32? {
                    let k = key(hash, part.count), tag = UInt32(truncatingIfNeeded: k)
                    var s = slot(k, mask)
                    while slots[s].id != UInt32.max {
                        let candidate = Int(slots[s].id)
                        if slots[s].tag == tag && starts[candidate + 1] - starts[candidate] == part.count
                            && ByteStringTable.equal(arena.baseAddress! + starts[candidate], arena.baseAddress! + part.lowerBound, count: part.count) {
                            return slots[s].id
                        }
                        s = (s + 1) & mask
                    }
                    return nil
                }
                var prefix: [UInt64] = [], power: [UInt64] = [1]
                for result in results where starts[result + 1] - starts[result] > 1 {
                    let first = starts[result], n = starts[result + 1] - first
                    prefix.removeAll(keepingCapacity: true)
                    prefix.append(0)
                    for byte in arena[first..<(first + n)] { prefix.append(prefix.last! &* base &+ UInt64(byte) &+ 1) }
                    while power.count <= n { power.append(power.last! &* base) }
                    for split in 1..<n {
                        let suffixHash = prefix[n] &- prefix[split] &* power[n - split]
                        if let left = id(first..<(first + split), hash: prefix[split]), let right = id((first + split)..<(first + n), hash: suffixHash) {
                            rules.append((left, right, UInt32(result), UInt32(result)))
                        }
                    }
                }
            }
        }
        return rules
    }
}
