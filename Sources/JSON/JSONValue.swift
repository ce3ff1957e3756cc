/// A JSON document as a value (RFC 8259).
///
/// Integers that fit in `Int` are kept exact (`.int`) and apart from every other number
/// (`.double`: fractions, exponents, integers beyond ±2⁶³); `true`/`false` are never numbers.
/// Object members keep their order (file order when parsed, insertion order when built), so a
/// writer can reproduce them and a reader can report a repeated key.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([JSONMember])
}

/// One `"key": value` of a JSON object.
public struct JSONMember: Sendable, Hashable {
    public var key: String
    public var value: JSONValue

    public init(_ key: String, _ value: JSONValue) {
        self.key = key
        self.value = value
    }
}

extension JSONValue {
    /// An object whose members are `dictionary`'s, in key order (UTF-8 bytes).
    public static func object(sorting dictionary: [String: JSONValue]) -> JSONValue {
        .object(dictionary.map { JSONMember($0.key, $0.value) }.sorted { JSONValue.keyPrecedes($0.key, $1.key) })
    }

    /// The order of sorted keys: lexicographic over UTF-8 bytes (Foundation's `.sortedKeys` too).
    public static func keyPrecedes(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    /// The members of an object; nil for any other value.
    public var members: [JSONMember]? {
        if case let .object(m) = self { return m }
        return nil
    }

    /// An object's members as a dictionary (the last of repeated keys wins); nil for any other value.
    public var dictionary: [String: JSONValue]? {
        members.map { Dictionary($0.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last }) }
    }

    /// The value of member `key` of an object (the last one if repeated); nil when missing or not an object.
    public subscript(key: String) -> JSONValue? {
        members?.last(where: { $0.key == key })?.value
    }

    /// Sets member `key` of an object in place (appended when new); no effect on other values.
    public mutating func set(_ key: String, _ value: JSONValue) {
        guard case var .object(m) = self else { return }
        if let i = m.lastIndex(where: { $0.key == key }) { m[i].value = value } else { m.append(JSONMember(key, value)) }
        self = .object(m)
    }

    /// Removes member `key` of an object; no effect on other values.
    public mutating func remove(_ key: String) {
        guard case var .object(m) = self else { return }
        m.removeAll { $0.key == key }
        self = .object(m)
    }

    public var isNull: Bool { self == .null }

    /// A string's text; nil for any other value.
    public var stringValue: String? {
        if case let .string(s) = self { return s }
        return nil
    }

    /// A boolean; nil for any other value (numbers are never booleans).
    public var boolValue: Bool? {
        if case let .bool(b) = self { return b }
        return nil
    }

    /// An integer: `.int`, or a `.double` with an exact integer value (`2.0`, `2e2`); nil otherwise.
    public var intValue: Int? {
        switch self {
        case let .int(i): i
        case let .double(d): Int(exactly: d)
        default: nil
        }
    }

    /// Any number as a Double; nil for any other value (booleans are not numbers).
    public var doubleValue: Double? {
        switch self {
        case let .int(i): Double(i)
        case let .double(d): d
        default: nil
        }
    }

    /// An array's elements; nil for any other value.
    public var arrayValue: [JSONValue]? {
        if case let .array(a) = self { return a }
        return nil
    }

    /// What this value is, for error messages: `an object`, `a string`, `true`, …
    public var kind: String {
        switch self {
        case .null: "null"
        case let .bool(b): b ? "true" : "false"
        case .int: "an integer"
        case .double: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByFloatLiteral,
    ExpressibleByIntegerLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// Members in the order written.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(elements.map { JSONMember($0.0, $0.1) })
    }
}
