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
        guard let n = object[key] as? NSNumber, !(object[key] is Bool), let i = Int(exactly: n.doubleValue), i >= 0 else {
            throw .configInvalid(path: path, reason: "'\(key)' must be a non-negative integer")
        }
        return i
    }

    func double(_ key: String, default value: Double) throws(ImportError) -> Double {
        guard has(key) else { return value }
        guard let n = object[key] as? NSNumber, !(object[key] is Bool) else {
            throw .configInvalid(path: path, reason: "'\(key)' must be a number")
        }
        return n.doubleValue
    }

    func string(_ key: String) -> String? { object[key] as? String }

    func bool(_ key: String, default value: Bool) -> Bool { (object[key] as? Bool) ?? value }
}
