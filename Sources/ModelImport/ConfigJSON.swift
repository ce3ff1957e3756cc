import Foundation

/// Typed reads from a parsed `config.json`, with errors that name the key.
struct ConfigJSON {
    let path: String
    let object: [String: Any]

    init(path: String) throws(ImportError) {
        self.path = path
        guard let data = FileManager.default.contents(atPath: path) else { throw .configMissing(path: path) }
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw .configInvalid(path: path, reason: "not valid JSON")
        }
        guard let object = parsed as? [String: Any] else {
            throw .configInvalid(path: path, reason: "not a JSON object")
        }
        self.object = object
    }

    func has(_ key: String) -> Bool { object[key] != nil && !(object[key] is NSNull) }

    func int(_ key: String) throws(ImportError) -> Int {
        guard has(key) else { throw .configInvalid(path: path, reason: "missing '\(key)'") }
        return try optionalInt(key)!
    }

    func optionalInt(_ key: String) throws(ImportError) -> Int? {
        guard has(key) else { return nil }
        guard let n = object[key] as? NSNumber, !Self.isBoolean(n), let i = Int(exactly: n.doubleValue), i >= 0 else {
            throw .configInvalid(path: path, reason: "'\(key)' must be a non-negative integer")
        }
        return i
    }

    func double(_ key: String, default value: Double) throws(ImportError) -> Double {
        guard has(key) else { return value }
        guard let n = object[key] as? NSNumber, !Self.isBoolean(n) else {
            throw .configInvalid(path: path, reason: "'\(key)' must be a number")
        }
        return n.doubleValue
    }

    func string(_ key: String) -> String? { object[key] as? String }

    /// Whether a parsed JSON number was `true`/`false`. On Linux `is Bool` also holds for the
    /// numbers 0 and 1 (so `"num_key_value_heads": 1` would read as a boolean); JSON booleans
    /// are the NSNumbers whose Objective-C type is `c`.
    static func isBoolean(_ n: NSNumber) -> Bool { String(cString: n.objCType) == "c" }

    func bool(_ key: String, default value: Bool) -> Bool {
        guard let n = object[key] as? NSNumber, Self.isBoolean(n) else { return value }
        return n.boolValue
    }
}
