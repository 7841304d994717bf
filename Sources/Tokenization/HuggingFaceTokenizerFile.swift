import Foundation

/// Loading Hugging Face `tokenizer.json` files of the GPT-2 family: a BPE model over the byte-level
/// alphabet, the ByteLevel pre-tokenizer (GPT-2 pattern) and decoder, no normalizer. Anything else is
/// refused by name rather than encoded differently from Hugging Face.
enum HuggingFaceTokenizerFile {
    static func load(path: String) throws(TokenizerError) -> Tokenizer {
        let contents: Data
        do { contents = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw TokenizerError("cannot read \(path): \(error.localizedDescription)")
        }
        do { return try parse(contents, source: path) } catch { throw error.located(in: path) }
    }

    static func parse(_ contents: Data, source: String) throws(TokenizerError) -> Tokenizer {
        let root: [String: Any]
        do {
            guard let object = try JSONSerialization.jsonObject(with: contents) as? [String: Any] else {
                throw TokenizerError("the top level is not a JSON object")
            }
            root = object
        } catch let error as TokenizerError {
            throw error
        } catch {
            throw TokenizerError("not valid JSON: \(jsonErrorDescription(error))")
        }
        let json = JSONPath(root, path: "")

        let preTokenizer = try json.object("pre_tokenizer")
        try preTokenizer.require("type", equals: "ByteLevel", because: "hapax supports the ByteLevel pre-tokenizer of the GPT-2 family")
        if try preTokenizer.optionalBool("use_regex") == false {
            throw TokenizerError("pre_tokenizer.use_regex: false is not supported; the GPT-2 pattern must cut the text")
        }
        let addsPrefixSpace = try preTokenizer.optionalBool("add_prefix_space") ?? false
        if let normalizer = root["normalizer"], !(normalizer is NSNull) {
            throw TokenizerError("normalizer: must be null; hapax encodes the text exactly as written")
        }
        if let decoder = try json.optionalObject("decoder") {
            try decoder.require("type", equals: "ByteLevel", because: "token bytes are spelled in the byte-level alphabet")
        }

        let model = try json.object("model")
        if model.dictionary["type"] != nil {
            try model.require("type", equals: "BPE", because: "hapax implements byte-level BPE")
        }
        for key in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let value = try model.optionalString(key), !value.isEmpty {
                throw TokenizerError("model.\(key): must be null for a byte-level BPE, got \"\(value)\"")
            }
        }
        if try model.optionalBool("byte_fallback") == true {
            throw TokenizerError("model.byte_fallback: must be false for a byte-level BPE")
        }
        if let dropout = model.dictionary["dropout"], !(dropout is NSNull), (dropout as? Double ?? 0) > 0 {
            throw TokenizerError("model.dropout: must be null; BPE dropout makes encoding random")
        }
        let ignoresMerges = try model.optionalBool("ignore_merges") ?? false

        let vocab = try model.object("vocab")
        var tokens: [[UInt8]?] = []
        var spellingOfId: [Int: String] = [:]
        let largestId = largestAllowedId(entries: vocab.dictionary.count + ((root["added_tokens"] as? [Any])?.count ?? 0))
        for (spelling, value) in vocab.dictionary {
            let place = "model.vocab[\(quoted(spelling))]"
            guard let id = integer(value), id >= 0 else {
                throw TokenizerError("\(place): expected a non-negative integer id, got \(describe(value))")
            }
            guard id <= largestId else {
                throw TokenizerError("\(place): id \(id) is far beyond the file's number of tokens (at most \(largestId))")
            }
            guard let bytes = ByteLevelAlphabet.bytes(of: spelling), !bytes.isEmpty else {
                throw TokenizerError("\(place): the token is not spelled in the byte-level alphabet")
            }
            if let other = spellingOfId[id] {
                throw TokenizerError("\(place): id \(id) is also given to \(quoted(other))")
            }
            spellingOfId[id] = spelling
            if id >= tokens.count { tokens += Array(repeating: nil, count: id + 1 - tokens.count) }
            tokens[id] = bytes
        }

        let table = ByteStringTable(tokens.enumerated().compactMap { id, bytes in bytes.map { (key: $0, id: UInt32(id)) } })
        func tokenId(_ spelling: String, _ place: String) throws(TokenizerError) -> (id: UInt32, bytes: [UInt8]) {
            guard let bytes = ByteLevelAlphabet.bytes(of: spelling), let id = table.id(of: bytes) else {
                throw TokenizerError("\(place): \(quoted(spelling)) is not in model.vocab")
            }
            return (id, bytes)
        }
        var rules: [(left: UInt32, right: UInt32, priority: UInt32, result: UInt32)] = []
        for (index, merge) in try model.array("merges").enumerated() {
            let place = "model.merges[\(index)]"
            let parts: [String]
            if let line = merge as? String {
                parts = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            } else if let pair = merge as? [Any], pair.allSatisfy({ $0 is String }) {
                parts = pair.map { $0 as! String }
            } else {
                throw TokenizerError("\(place): expected \"left right\" or [\"left\", \"right\"], got \(describe(merge))")
            }
            guard parts.count == 2 else {
                throw TokenizerError("\(place): expected two tokens, got \(parts.count)")
            }
            let left = try tokenId(parts[0], place), right = try tokenId(parts[1], place)
            guard let result = table.id(of: left.bytes + right.bytes) else {
                throw TokenizerError("\(place): merging \(quoted(parts[0])) and \(quoted(parts[1])) gives \(quoted(parts[0] + parts[1])), which is not in model.vocab")
            }
            rules.append((left.id, right.id, UInt32(index), result))
        }

        var specials: [String: UInt32] = [:]
        if let added = root["added_tokens"], !(added is NSNull) {
            guard let list = added as? [Any] else {
                throw TokenizerError("added_tokens: expected an array, got \(describe(added))")
            }
            for (index, item) in list.enumerated() {
                let place = "added_tokens[\(index)]"
                guard let object = item as? [String: Any] else {
                    throw TokenizerError("\(place): expected an object, got \(describe(item))")
                }
                let entry = JSONPath(object, path: place)
                let content = try entry.string("content")
                guard let id = integer(object["id"] as Any), id >= 0 else {
                    throw TokenizerError("\(place).id: expected a non-negative integer, got \(describe(object["id"] as Any))")
                }
                guard id <= largestId else {
                    throw TokenizerError("\(place).id: \(id) is far beyond the file's number of tokens (at most \(largestId))")
                }
                specials[content] = UInt32(id)
            }
        }

        let bpe = try BytePairModel(tokens: tokens, merges: MergeTable(rules),
                                    shortcut: ignoresMerges ? .anyToken : .selfConsistentTokens)
        return Tokenizer(preTokenizer: .gpt2, addsPrefixSpace: addsPrefixSpace, model: bpe,
                         specialTokens: specials, source: "\(source) (Hugging Face byte-level BPE)")
    }

    private static func jsonErrorDescription(_ error: Error) -> String {
        let nsError = error as NSError
        return (nsError.userInfo[NSDebugDescriptionErrorKey] as? String) ?? nsError.localizedDescription
    }
}

/// Typed access to a JSON object with errors that name the key path.
struct JSONPath {
    let dictionary: [String: Any]
    let path: String

    init(_ dictionary: [String: Any], path: String) {
        self.dictionary = dictionary
        self.path = path
    }

    private func place(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    private func value(_ key: String) throws(TokenizerError) -> Any {
        guard let value = dictionary[key] else { throw TokenizerError("\(place(key)): missing") }
        return value
    }

    func object(_ key: String) throws(TokenizerError) -> JSONPath {
        let value = try value(key)
        guard let object = value as? [String: Any] else {
            throw TokenizerError("\(place(key)): expected an object, got \(describe(value))")
        }
        return JSONPath(object, path: place(key))
    }

    func optionalObject(_ key: String) throws(TokenizerError) -> JSONPath? {
        guard let value = dictionary[key], !(value is NSNull) else { return nil }
        return try object(key)
    }

    func array(_ key: String) throws(TokenizerError) -> [Any] {
        let value = try value(key)
        guard let array = value as? [Any] else {
            throw TokenizerError("\(place(key)): expected an array, got \(describe(value))")
        }
        return array
    }

    func string(_ key: String) throws(TokenizerError) -> String {
        let value = try value(key)
        guard let string = value as? String else {
            throw TokenizerError("\(place(key)): expected a string, got \(describe(value))")
        }
        return string
    }

    func optionalString(_ key: String) throws(TokenizerError) -> String? {
        guard let value = dictionary[key], !(value is NSNull) else { return nil }
        return try string(key)
    }

    func optionalBool(_ key: String) throws(TokenizerError) -> Bool? {
        guard let value = dictionary[key], !(value is NSNull) else { return nil }
        guard isBoolean(value), let bool = value as? Bool else {
            throw TokenizerError("\(place(key)): expected true or false, got \(describe(value))")
        }
        return bool
    }

    func require(_ key: String, equals expected: String, because reason: String) throws(TokenizerError) {
        let actual = try string(key)
        guard actual == expected else {
            throw TokenizerError("\(place(key)): is \"\(actual)\", expected \"\(expected)\" (\(reason))")
        }
    }
}

/// JSONSerialization gives booleans as a private NSNumber subclass, which also casts to Int and Bool.
private func isBoolean(_ value: Any) -> Bool {
    type(of: value) == Bool.self || String(describing: type(of: value)) == "__NSCFBoolean"
}

/// An integer JSON value; booleans and fractions are not integers.
func integer(_ value: Any) -> Int? {
    if value is String || isBoolean(value) { return nil }
    if let int = value as? Int { return int }
    if let double = value as? Double, double == double.rounded(), abs(double) < 1e15 { return Int(double) }
    return nil
}

func describe(_ value: Any) -> String {
    switch value {
    case is NSNull: return "null"
    case is String: return "a string"
    case _ where isBoolean(value): return "a boolean"
    case is NSNumber, is Int, is Double: return "a number"
    case is [Any]: return "an array"
    case is [String: Any]: return "an object"
    default: return "\(type(of: value))"
    }
}

func quoted(_ string: String) -> String {
    "\"" + string.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
}
