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
        let contents = try FileContents.mappedOrRead(path)
        let (tokens, lineOfRank): (TokenSpellings, [Int32])
        do {
            (tokens, lineOfRank) = try contents.withBytes { bytes throws(TokenizerError) in try parse(bytes) }
        } catch { throw error.located(in: path) }
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let known = encodings[name]
        guard let pattern = pattern ?? known?.pattern else {
            throw TokenizerError("\(path): cannot tell the encoding from the file name; name the pre-tokenizer pattern (one of \(PreTokenizer.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let table: ByteStringTable
        do { table = try index(tokens, lineOfRank: lineOfRank) } catch { throw error.located(in: path) }
        // An unknown encoding gets one special token, end-of-text, right after the ranks.
        let specials = known?.specialTokens ?? ["<|endoftext|>": UInt32(tokens.count)]
        for (content, id) in specials where Int(id) < tokens.count && !tokens.isEmpty(Int(id)) {
            throw TokenizerError("\(path): rank \(id) is a token in the file but is the special token \(content) of \(name)")
        }
        let model: BytePairModel
        do {
            model = try BytePairModel(tokens: tokens, vocabulary: table, merges: .ranks, shortcut: .anyToken)
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
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(TokenizerError) -> (spellings: TokenSpellings, lineOfRank: [Int32]) {
        let largestId = largestAllowedId(entries: bytes.reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 })
        var starts = [0]                    // listing k is arena[starts[k]..<starts[k + 1]], in line order
        starts.reserveCapacity(largestId / 2 + 1)
        var listings = 0, inOrder = true
        var lineOfRank = [Int32](repeating: 0, count: largestId + 1)  // 0: the rank is not used yet
        var failure: TokenizerError?
        // No token spells more bytes than its line has characters.
        let arena = [UInt8](unsafeUninitializedCapacity: bytes.count) { arena, end in
            var lineNumber = 0, start = 0
            while start < bytes.count {
                lineNumber += 1
                let lineBreak = memchr(bytes.baseAddress! + start, Int32(UInt8(ascii: "\n")), bytes.count - start)
                    .map { UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) - bytes.baseAddress! } ?? bytes.count
                defer { start = lineBreak + 1 }
                var lineEnd = lineBreak
                if lineEnd > start && bytes[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
                if lineEnd == start { continue }
                let line = UnsafeBufferPointer(rebasing: bytes[start..<lineEnd])
                guard let space = line.firstIndex(of: UInt8(ascii: " ")), !line[(space + 1)...].contains(UInt8(ascii: " ")) else {
                    failure = TokenizerError("line \(lineNumber): expected 'base64-token rank', got \(line.reduce(1) { $1 == UInt8(ascii: " ") ? $0 + 1 : $0 }) space-separated fields")
                    return
                }
                let encoded = UnsafeBufferPointer(rebasing: line[..<space]), digits = UnsafeBufferPointer(rebasing: line[(space + 1)...])
                guard encoded.count <= (maximumTokenBytes + 2) / 3 * 4 else {
                    failure = TokenizerError("line \(lineNumber): a token of \(encoded.count / 4 * 3) bytes or more is longer than any tokenizer uses (at most \(maximumTokenBytes))")
                    return
                }
                guard let count = Base64.decode(encoded, into: arena.baseAddress! + end), count > 0 else {
                    failure = TokenizerError("line \(lineNumber): '\(String(decoding: encoded.prefix(40), as: UTF8.self))' is not valid base64 for a token")
                    return
                }
                guard !digits.isEmpty, digits.count <= 18, digits.allSatisfy({ $0 &- UInt8(ascii: "0") < 10 }) else {
                    failure = TokenizerError("line \(lineNumber): '\(String(decoding: digits.prefix(40), as: UTF8.self))' is not a rank (a non-negative integer)")
                    return
                }
                let rank = digits.reduce(0) { $0 * 10 + Int($1 &- UInt8(ascii: "0")) }
                guard rank <= largestId else {
                    failure = TokenizerError("line \(lineNumber): rank \(rank) is far beyond the \(lineNumber) lines of the file (at most \(largestId))")
                    return
                }
                if lineOfRank[rank] != 0 {
                    failure = TokenizerError("line \(lineNumber): rank \(rank) is already used on line \(lineOfRank[rank])")
                    return
                }
                end += count
                starts.append(end)
                lineOfRank[rank] = Int32(lineNumber)
                inOrder = inOrder && rank == listings
                listings += 1
            }
        }
        if let failure { throw failure }
        let listed = TokenSpellings(arena: arena, starts: starts)
        if listings == 0 { throw TokenizerError("the file has no ranks") }
        // Rank files list ranks in order, which makes the listing the spellings by rank as it is.
        if inOrder { return (listed, lineOfRank) }
        // Else listing k holds the k-th rank in line order.
        let ranksByLine = lineOfRank.indices.filter { lineOfRank[$0] != 0 }.sorted { lineOfRank[$0] < lineOfRank[$1] }
        var listingOfRank = [Int](repeating: -1, count: ranksByLine.max()! + 1)
        for (listing, rank) in ranksByLine.enumerated() { listingOfRank[rank] = listing }
        var spellings = TokenSpellings()
        for listing in listingOfRank { listing < 0 ? spellings.append([] as [UInt8]) : spellings.append(listed[listing]) }
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
}
