import JSON

/// One object of a parsed JSON file, with typed accessors whose errors name the file and the
/// dotted field path (`model.vocab`, `added_tokens[3].content`).
struct JSONObject {
    /// The file, for error messages.
    let path: String
    /// This object's own path, empty for the top level.
    let field: String
    let values: [String: JSONValue]

    /// The top-level object of the JSON file at `path`.
    static func read(path: String) throws(TokenizerError) -> JSONObject {
        let parsed: JSONValue?
        do {
            parsed = try JSONParser.parse(contentsOf: path)
        } catch {
            throw .malformedJSON(path: path)
        }
        guard let parsed else { throw .unreadableFile(path: path) }
        guard let values = parsed.dictionary else { throw .malformedJSON(path: path) }
        return JSONObject(path: path, field: "", values: values)
    }

    /// `field.key`
    func name(_ key: String) -> String { field.isEmpty ? key : field + "." + key }

    /// The value at `key`, nil when it is missing or `null`.
    func value(_ key: String) -> JSONValue? {
        guard let v = values[key], v != .null else { return nil }
        return v
    }

    func invalid(_ key: String, _ expected: String) -> TokenizerError {
        .invalidField(path: path, field: name(key), expected: expected)
    }

    func string(_ key: String) throws(TokenizerError) -> String {
        guard let s = try optionalString(key) else { throw invalid(key, "a string") }
        return s
    }

    func optionalString(_ key: String) throws(TokenizerError) -> String? {
        guard let v = value(key) else { return nil }
        guard case let .string(s) = v else { throw invalid(key, "a string") }
        return s
    }

    func bool(_ key: String, default fallback: Bool) throws(TokenizerError) -> Bool {
        try optionalBool(key) ?? fallback
    }

    func optionalBool(_ key: String) throws(TokenizerError) -> Bool? {
        guard let v = value(key) else { return nil }
        guard case let .bool(b) = v else { throw invalid(key, "true or false") }
        return b
    }

    func int(_ key: String, default fallback: Int? = nil) throws(TokenizerError) -> Int {
        guard let v = value(key) else {
            if let fallback { return fallback }
            throw invalid(key, "a non-negative integer")
        }
        guard case let .int(i) = v, i >= 0 else { throw invalid(key, "a non-negative integer") }
        return i
    }

    func object(_ key: String) throws(TokenizerError) -> JSONObject {
        guard let o = try optionalObject(key) else { throw invalid(key, "an object") }
        return o
    }

    func optionalObject(_ key: String) throws(TokenizerError) -> JSONObject? {
        guard let v = value(key) else { return nil }
        guard let o = v.dictionary else { throw invalid(key, "an object") }
        return JSONObject(path: path, field: name(key), values: o)
    }

    /// The array at `key`; missing or null is an empty array.
    func array(_ key: String) throws(TokenizerError) -> [JSONValue] {
        guard let v = value(key) else { return [] }
        guard case let .array(a) = v else { throw invalid(key, "an array") }
        return a
    }

    /// The objects of the array at `key`; missing or null is none.
    func objects(_ key: String) throws(TokenizerError) -> [JSONObject] {
        var objects: [JSONObject] = []
        for (i, v) in try array(key).enumerated() {
            guard let o = v.dictionary else { throw invalid("\(key)[\(i)]", "an object") }
            objects.append(JSONObject(path: path, field: name("\(key)[\(i)]"), values: o))
        }
        return objects
    }

    /// `{"token": id, …}` at `key`.
    func vocabulary(_ key: String) throws(TokenizerError) -> [String: Int] {
        guard case let .object(o)? = value(key) else { throw invalid(key, "an object of token → id") }
        var vocabulary: [String: Int] = [:]
        vocabulary.reserveCapacity(o.count)
        for member in o {
            guard case let .int(id) = member.value, id >= 0 else { throw invalid(key, "an object of token → non-negative integer id") }
            vocabulary[member.key] = id
        }
        return vocabulary
    }
}
