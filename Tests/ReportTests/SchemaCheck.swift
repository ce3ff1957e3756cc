import Foundation

/// The part of JSON Schema (draft 2020-12) that schemas/report.schema.json uses: type, const,
/// enum, minimum, pattern, required, properties, additionalProperties, items and local $ref.
/// Enough to catch a missing, extra or mistyped key; not a general validator.
struct SchemaCheck {
    let root: Any

    func errors(_ value: Any, against schema: Any, at path: String = "$") -> [String] {
        guard let schema = schema as? [String: Any] else { return [] }
        if let ref = schema["$ref"] as? String {
            var target: Any? = root
            for key in ref.dropFirst(2).split(separator: "/") { target = (target as? [String: Any])?[String(key)] }
            guard let resolved = target else { return ["\(path): unresolved \(ref)"] }
            return errors(value, against: resolved, at: path)
        }
        var found: [String] = []
        if let type = schema["type"] as? String, !Self.has(type, value) {
            return ["\(path): expected \(type), found \(value)"]
        }
        if let constant = schema["const"], !Self.equal(constant, value) { found.append("\(path): expected \(constant)") }
        if let options = schema["enum"] as? [Any], !options.contains(where: { Self.equal($0, value) }) {
            found.append("\(path): \(value) is not one of \(options)")
        }
        if let minimum = (schema["minimum"] as? NSNumber)?.doubleValue, let n = Self.number(value), n < minimum {
            found.append("\(path): \(n) < \(minimum)")
        }
        if let pattern = schema["pattern"] as? String, let s = value as? String,
           s.range(of: pattern, options: .regularExpression) == nil {
            found.append("\(path): \(s) does not match \(pattern)")
        }
        if let object = value as? [String: Any] {
            let properties = schema["properties"] as? [String: Any] ?? [:]
            for key in schema["required"] as? [String] ?? [] where object[key] == nil {
                found.append("\(path): missing \(key)")
            }
            for (key, member) in object.sorted(by: { $0.key < $1.key }) {
                if let sub = properties[key] {
                    found += errors(member, against: sub, at: "\(path).\(key)")
                } else if let extra = schema["additionalProperties"] {
                    if extra as? Bool == false { found.append("\(path): unexpected key \(key)") }
                    else { found += errors(member, against: extra, at: "\(path).\(key)") }
                }
            }
        }
        if let array = value as? [Any], let items = schema["items"] {
            for (i, item) in array.enumerated() { found += errors(item, against: items, at: "\(path)[\(i)]") }
        }
        return found
    }

    /// The report holds no booleans, so any number JSONSerialization returns counts as a number.
    static func number(_ v: Any) -> Double? {
        if v is String || v is [Any] || v is [String: Any] { return nil }
        return (v as? NSNumber)?.doubleValue
    }

    static func has(_ kind: String, _ v: Any) -> Bool {
        switch kind {
        case "object": v is [String: Any]
        case "array": v is [Any]
        case "string": v is String
        case "boolean": type(of: v) == Bool.self
        case "number": number(v) != nil
        case "integer": number(v).map { $0 == $0.rounded() } ?? false
        default: true
        }
    }

    static func equal(_ a: Any, _ b: Any) -> Bool {
        if let x = a as? String, let y = b as? String { return x == y }
        if let x = number(a), let y = number(b) { return x == y }
        return false
    }
}
