import Foundation

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

    func objects(_ key: String) throws(TokenizerError) -> [JSONPath] {
        var result: [JSONPath] = []
        for (index, value) in try array(key).enumerated() {
            guard let object = value as? [String: Any] else {
                throw TokenizerError("\(place(key))[\(index)]: expected an object, got \(describe(value))")
            }
            result.append(JSONPath(object, path: "\(place(key))[\(index)]"))
        }
        return result
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
