import JSON

/// Typed reads from a parsed `config.json`, with errors that name the key: thin accessors over
/// its `JSONValue` (booleans are never numbers; integers may be written `12` or `12.0`).
struct ConfigJSON {
    let path: String
    /// The top-level object.
    let object: JSONValue

    init(path: String) throws(ImportError) {
        self.path = path
        let parsed: JSONValue?
        do {
            parsed = try JSONParser.parse(contentsOf: path)
        } catch {
            throw .configInvalid(path: path, reason: "not valid JSON")
        }
        guard let parsed else { throw .configMissing(path: path) }
        guard parsed.members != nil else { throw .configInvalid(path: path, reason: "not a JSON object") }
        self.object = parsed
    }

    /// The value at `key`, nil when it is missing or null.
    subscript(key: String) -> JSONValue? {
        guard let value = object[key], value != .null else { return nil }
        return value
    }

    func has(_ key: String) -> Bool { self[key] != nil }

    func int(_ key: String) throws(ImportError) -> Int {
        guard has(key) else { throw .configInvalid(path: path, reason: "missing '\(key)'") }
        return try optionalInt(key)!
    }

    func optionalInt(_ key: String) throws(ImportError) -> Int? {
        guard let value = self[key] else { return nil }
        guard let i = value.intValue, i >= 0 else {
            throw .configInvalid(path: path, reason: "'\(key)' must be a non-negative integer")
        }
        return i
    }

    func double(_ key: String, default fallback: Double) throws(ImportError) -> Double {
        guard let value = self[key] else { return fallback }
        guard let d = value.doubleValue else { throw .configInvalid(path: path, reason: "'\(key)' must be a number") }
        return d
    }

    func string(_ key: String) -> String? { self[key]?.stringValue }

    /// The strings of the array at `key`; nil when it is missing or not an array of strings.
    func strings(_ key: String) -> [String]? {
        guard let elements = self[key]?.arrayValue else { return nil }
        let strings = elements.compactMap(\.stringValue)
        return strings.count == elements.count ? strings : nil
    }

    /// A JSON true or false at `key`; `fallback` for anything else.
    func bool(_ key: String, default fallback: Bool) -> Bool { self[key]?.boolValue ?? fallback }
}
