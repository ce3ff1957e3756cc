/// Encodes any `Encodable` into a `JSONValue`, as Foundation's JSONEncoder would shape it:
/// nil optionals omitted (the synthesized `encodeIfPresent`), members in encoding order, Float
/// as the Double of its shortest text (so `0.1` stays `0.1`); NaN, ±∞ and integers beyond `Int`
/// are errors. `keys` renames object keys (e.g. to snake_case, `JSONKeyCase`).
public struct JSONValueEncoder {
    /// How a Swift coding key is spelled in JSON.
    public var keys: @Sendable (String) -> String
    /// Whether `keys` also renames the keys of `[String: V]` dictionaries (Foundation's
    /// `.convertToSnakeCase` leaves them alone; the report's encoder renamed them).
    public var convertingDictionaryKeys: Bool
    /// Whether NaN and ±∞ are kept as `.double` (for a writer style that spells them) instead of
    /// being errors.
    public var allowingNonFinite: Bool

    public init(keys: @escaping @Sendable (String) -> String = { $0 }, convertingDictionaryKeys: Bool = true,
                allowingNonFinite: Bool = false) {
        self.keys = keys
        self.convertingDictionaryKeys = convertingDictionaryKeys
        self.allowingNonFinite = allowingNonFinite
    }

    public func encode(_ value: some Encodable) throws(JSONError) -> JSONValue {
        let root = JSONNode()
        do {
            let options = JSONNodeEncoder.Options(keys: keys, convertingDictionaryKeys: convertingDictionaryKeys,
                                                  allowingNonFinite: allowingNonFinite)
            try JSONNodeEncoder(node: root, codingPath: [], options: options).encodeValue(value)
        } catch let error as JSONError {
            throw error
        } catch let EncodingError.invalidValue(value, context) {
            throw .unencodable(path: JSONPath(codingPath: context.codingPath), value: "\(value)")
        } catch {
            throw .unencodable(path: .root, value: "\(error)")
        }
        return root.resolved
    }
}

/// A value under construction: containers hand out child nodes before their values are known.
final class JSONNode {
    enum Content {
        case value(JSONValue)
        case array([JSONNode])
        case object(keys: [String], nodes: [String: JSONNode])
    }

    var content: Content = .value(.null)

    var resolved: JSONValue {
        switch content {
        case let .value(v): v
        case let .array(nodes): .array(nodes.map(\.resolved))
        case let .object(keys, nodes): .object(keys.map { JSONMember($0, nodes[$0]!.resolved) })
        }
    }

    /// The child at `key`, made an object first if this is not one; a repeated key reuses its slot.
    func child(_ key: String) -> JSONNode {
        var (keys, nodes): ([String], [String: JSONNode]) = ([], [:])
        if case let .object(k, n) = content { (keys, nodes) = (k, n) }
        if let existing = nodes[key] { return existing }
        let node = JSONNode()
        keys.append(key)
        nodes[key] = node
        content = .object(keys: keys, nodes: nodes)
        return node
    }

    func makeObject() {
        if case .object = content { return }
        content = .object(keys: [], nodes: [:])
    }

    func makeArray() {
        if case .array = content { return }
        content = .array([])
    }

    func append() -> JSONNode {
        var nodes: [JSONNode] = []
        if case let .array(n) = content { nodes = n }
        let node = JSONNode()
        nodes.append(node)
        content = .array(nodes)
        return node
    }

    var count: Int {
        if case let .array(n) = content { return n.count }
        return 0
    }
}

extension JSONPath {
    /// The path of a Codable coding path (integer keys are indices).
    init(codingPath: [any CodingKey]) {
        self.init(codingPath.map { key in key.intValue.map { .index($0) } ?? .key(key.stringValue) })
    }

    /// As a Codable coding path.
    var codingPath: [any CodingKey] { components.map(JSONCodingKey.init) }
}

/// A coding key for a path component.
struct JSONCodingKey: CodingKey {
    let stringValue: String
    let intValue: Int?

    init(stringValue: String) { (self.stringValue, self.intValue) = (stringValue, nil) }
    init(intValue: Int) { (self.stringValue, self.intValue) = ("Index \(intValue)", intValue) }
    init(_ component: JSONPath.Component) {
        switch component {
        case let .key(k): self.init(stringValue: k)
        case let .index(i): self.init(intValue: i)
        }
    }
}
