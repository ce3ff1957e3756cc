import Foundation

/// A parsed JSON value, keeping `true` and `1` apart.
enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The value of a JSON file, nil when it is not UTF-8 JSON. (JSONSerialization, converted:
    /// JSONDecoder is many times slower on a 30 000-entry vocabulary in debug builds.)
    static func parse(_ data: Data) -> JSONValue? {
        guard let parsed = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else { return nil }
        return JSONValue(parsed)
    }

    private static let booleanType = type(of: NSNumber(value: true))

    private init(_ value: Any) {
        switch value {
        case let s as String:
            self = .string(s)
        case let a as [Any]:
            self = .array(a.map(JSONValue.init))
        case let o as [String: Any]:
            self = .object(o.mapValues(JSONValue.init))
        case let n as NSNumber:
            if type(of: n) == Self.booleanType {
                self = .bool(n.boolValue)
            } else if let type = String(validatingCString: n.objCType), type == "d" || type == "f" {
                self = .double(n.doubleValue)
            } else {
                self = .int(n.intValue)
            }
        default:
            self = .null
        }
    }

    /// The value written back as compact JSON, for error messages (`0.1`, `"x"`, `[1,2]`).
    var text: String {
        switch self {
        case .null: return "null"
        case let .bool(b): return b ? "true" : "false"
        case let .int(i): return String(i)
        case let .double(d): return String(d)
        case let .string(s): return "\"\(s)\""
        case let .array(a): return "[" + a.map(\.text).joined(separator: ",") + "]"
        case let .object(o): return "{" + o.keys.sorted().map { "\"\($0)\":\(o[$0]!.text)" }.joined(separator: ",") + "}"
        }
    }
}
