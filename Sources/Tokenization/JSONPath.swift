/// Typed access to a JSON object with errors that name the key path.
struct JSONPath {
    let value: JSONValue
    let path: String

    init(_ value: JSONValue, path: String) {
        self.value = value
        self.path = path
    }

    func place(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The member `key`, null included, or nil when it is missing.
    subscript(key: String) -> JSONValue? { value[key] }

    private func member(_ key: String) throws(TokenizerError) -> JSONValue {
        guard let member = value[key] else { throw TokenizerError("\(place(key)): missing") }
        return member
    }

    /// The member `key` unless it is missing or null.
    private func optional(_ key: String) -> JSONValue? {
        guard let member = value[key], !member.isNull else { return nil }
        return member
    }

    func object(_ key: String) throws(TokenizerError) -> JSONPath {
        let member = try member(key)
        guard member.kind == .object else {
            throw TokenizerError("\(place(key)): expected an object, got \(member.described)")
        }
        return JSONPath(member, path: place(key))
    }

    func objects(_ key: String) throws(TokenizerError) -> [JSONPath] {
        var result: [JSONPath] = []
        for (index, element) in try array(key).enumerated() {
            guard element.kind == .object else {
                throw TokenizerError("\(place(key))[\(index)]: expected an object, got \(element.described)")
            }
            result.append(JSONPath(element, path: "\(place(key))[\(index)]"))
        }
        return result
    }

    func optionalObject(_ key: String) throws(TokenizerError) -> JSONPath? {
        guard optional(key) != nil else { return nil }
        return try object(key)
    }

    func array(_ key: String) throws(TokenizerError) -> [JSONValue] {
        let member = try member(key)
        guard member.kind == .array else {
            throw TokenizerError("\(place(key)): expected an array, got \(member.described)")
        }
        return Array(member.elements)
    }

    func string(_ key: String) throws(TokenizerError) -> String {
        let member = try member(key)
        guard let string = member.string else {
            throw TokenizerError("\(place(key)): expected a string, got \(member.described)")
        }
        return string
    }

    func optionalString(_ key: String) throws(TokenizerError) -> String? {
        guard optional(key) != nil else { return nil }
        return try string(key)
    }

    func optionalBool(_ key: String) throws(TokenizerError) -> Bool? {
        guard let member = optional(key) else { return nil }
        guard let bool = member.bool else {
            throw TokenizerError("\(place(key)): expected true or false, got \(member.described)")
        }
        return bool
    }

    /// A non-negative integer member.
    func count(_ key: String) throws(TokenizerError) -> Int {
        let member = try member(key)
        guard let value = member.integer, value >= 0 else {
            throw TokenizerError("\(place(key)): expected a non-negative integer, got \(member.described)")
        }
        return value
    }

    func require(_ key: String, equals expected: String, because reason: String) throws(TokenizerError) {
        let actual = try string(key)
        guard actual == expected else {
            throw TokenizerError("\(place(key)): is \(quoted(actual)), expected \(quoted(expected)) (\(reason))")
        }
    }
}

/// `string` in double quotes, escaped as JSON escapes it, so that a message stays on one line
/// whatever the value holds: line breaks and other control characters, and the line and paragraph
/// separators, are written as escapes.
func quoted(_ string: String) -> String {
    var result = "\""
    for scalar in string.unicodeScalars {
        switch scalar {
        case "\\", "\"": result += "\\" + String(scalar)
        case "\n": result += "\\n"
        case "\r": result += "\\r"
        case "\t": result += "\\t"
        case _ where scalar.properties.generalCategory == .control || scalar == "\u{2028}" || scalar == "\u{2029}":
            result += "\\u" + String(scalar.value, radix: 16, uppercase: true).leftPadded(to: 4)
        default: result.unicodeScalars.append(scalar)
        }
    }
    return result + "\""
}
