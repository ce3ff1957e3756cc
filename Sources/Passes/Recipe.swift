import Foundation
import JSON

/// A value in a recipe's options: what YAML, JSON and the CLI text form can all spell.
public enum RecipeValue: Codable, Sendable, Equatable, CustomStringConvertible {
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case list([RecipeValue])

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .double(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else { self = .list(try c.decode([RecipeValue].self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case let .bool(b): try c.encode(b)
        case let .int(i): try c.encode(i)
        case let .double(d): try c.encode(d)
        case let .string(s): try c.encode(s)
        case let .list(l): try c.encode(l)
        }
    }

    /// The CLI spelling: `0.9`, `true`, `blocks.*.mlp.up`, `[1,2]`; strings that would not read
    /// back as themselves are double-quoted.
    public var description: String {
        switch self {
        case let .bool(b): return String(b)
        case let .int(i): return String(i)
        case let .double(d): return d == d.rounded() && abs(d) < 1e15 ? String(format: "%.1f", d) : String(d)
        case let .string(s):
            return RecipeText.readsBackRaw(s) ? s
                : "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        case let .list(l): return "[" + l.map(\.description).joined(separator: ",") + "]"
        }
    }

    /// As a JSON value, for decoding into a pass's Options.
    var json: JSONValue {
        switch self {
        case let .bool(b): .bool(b)
        case let .int(i): .int(i)
        case let .double(d): .double(d)
        case let .string(s): .string(s)
        case let .list(l): .array(l.map(\.json))
        }
    }

    /// A JSON value as a recipe value: an integral number is an integer (`2.0` → `2`); nil for
    /// null, objects, and lists holding them.
    init?(json: JSONValue) {
        switch json {
        case let .bool(b): self = .bool(b)
        case let .int(i): self = .int(i)
        case let .double(d): self = Int(exactly: d).map(RecipeValue.int) ?? .double(d)
        case let .string(s): self = .string(s)
        case let .array(a):
            let list = a.compactMap(RecipeValue.init(json:))
            guard list.count == a.count else { return nil }
            self = .list(list)
        case .null, .object: return nil
        }
    }
}

/// One pipeline step: a pass name and the options the recipe sets (the rest take defaults).
public struct RecipeStep: Codable, Sendable, Equatable, CustomStringConvertible {
    public var pass: String
    public var options: [String: RecipeValue]

    public init(pass: String, options: [String: RecipeValue] = [:]) {
        self.pass = pass
        self.options = options
    }

    enum CodingKeys: String, CodingKey { case pass, options }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        pass = try c.decode(String.self, forKey: .pass)
        options = try c.decodeIfPresent([String: RecipeValue].self, forKey: .options) ?? [:]
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(pass, forKey: .pass)
        if !options.isEmpty { try c.encode(options, forKey: .options) }
    }

    /// `svd-lowrank{energy=0.9,select=blocks.*.mlp.*}` (keys sorted), or just the name.
    public var description: String {
        options.isEmpty ? pass
            : pass + "{" + options.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",") + "}"
    }
}

/// An ordered pipeline, as in `passes/*.yaml` (schemas/recipe.schema.json).
public struct Recipe: Codable, Sendable, Equatable, CustomStringConvertible {
    public var version: Int
    public var summary: String?
    public var steps: [RecipeStep]

    public init(steps: [RecipeStep], summary: String? = nil) {
        version = 1
        self.summary = summary
        self.steps = steps
    }

    /// The CLI text form: steps joined by commas.
    public var description: String { steps.map(\.description).joined(separator: ",") }
}
