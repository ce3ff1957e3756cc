/// A JSON document built by `JSONTreeEncoder` and printed with fixed rules: keys sorted,
/// two-space indentation, integers as written, every other number with exactly 4 decimals and
/// no exponent, strings escaped minimally (UTF-8 kept). Independent of Foundation's formatting.
final class JSONNode {
    enum Value {
        case null
        case bool(Bool)
        case int(Int)
        case double(Double)
        case string(String)
        case array([JSONNode])
        case object([String: JSONNode])
    }

    var value: Value = .null

    init(_ value: Value = .null) { self.value = value }

    /// The document, pretty-printed, ending with a newline.
    func printed() -> String {
        var out = ""
        write(to: &out, indent: "")
        return out + "\n"
    }

    private func write(to out: inout String, indent: String) {
        switch value {
        case .null: out += "null"
        case let .bool(b): out += b ? "true" : "false"
        case let .int(i): out += String(i)
        case let .double(d): out += d.isFinite ? NumberFormat.fixed(d, 4, minusSign: "-") : "null"
        case let .string(s): out += Self.quoted(s)
        case let .array(items):
            guard !items.isEmpty else { out += "[]"; return }
            out += "[\n"
            for (i, item) in items.enumerated() {
                out += indent + "  "
                item.write(to: &out, indent: indent + "  ")
                out += i == items.count - 1 ? "\n" : ",\n"
            }
            out += indent + "]"
        case let .object(members):
            guard !members.isEmpty else { out += "{}"; return }
            out += "{\n"
            let keys = members.keys.sorted { Array($0.utf8).lexicographicallyPrecedes($1.utf8) }
            for (i, key) in keys.enumerated() {
                out += indent + "  " + Self.quoted(key) + ": "
                members[key]!.write(to: &out, indent: indent + "  ")
                out += i == keys.count - 1 ? "\n" : ",\n"
            }
            out += indent + "}"
        }
    }

    static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// `compressionRatio` → `compression_ratio`.
    static func snakeCase(_ key: String) -> String {
        var out = ""
        for c in key {
            if c.isUppercase {
                if !out.isEmpty { out += "_" }
                out += c.lowercased()
            } else {
                out.append(c)
            }
        }
        return out
    }
}

/// Encodes any `Encodable` into a `JSONNode` tree, keys converted to snake_case, nil optionals
/// omitted (the synthesized `encodeIfPresent`).
struct JSONTreeEncoder: Encoder {
    let node: JSONNode
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    static func encode(_ value: some Encodable) throws -> JSONNode {
        let root = JSONNode()
        try value.encode(to: JSONTreeEncoder(node: root))
        return root
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .object = node.value {} else { node.value = .object([:]) }
        return KeyedEncodingContainer(Keyed<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .array = node.value {} else { node.value = .array([]) }
        return Unkeyed(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { Single(node: node, codingPath: codingPath) }

    private struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let node: JSONNode
        var codingPath: [any CodingKey]

        private func child(_ key: Key) -> JSONNode {
            let child = JSONNode()
            if case var .object(members) = node.value {
                members[JSONNode.snakeCase(key.stringValue)] = child
                node.value = .object(members)
            }
            return child
        }

        mutating func encodeNil(forKey key: Key) throws { child(key).value = .null }

        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            try value.encode(to: JSONTreeEncoder(node: child(key), codingPath: codingPath + [key]))
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
            -> KeyedEncodingContainer<NestedKey>
        {
            JSONTreeEncoder(node: child(key), codingPath: codingPath + [key]).container(keyedBy: keyType)
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            JSONTreeEncoder(node: child(key), codingPath: codingPath + [key]).unkeyedContainer()
        }

        mutating func superEncoder() -> any Encoder {
            JSONTreeEncoder(node: child(Key(stringValue: "super")!), codingPath: codingPath)
        }

        mutating func superEncoder(forKey key: Key) -> any Encoder {
            JSONTreeEncoder(node: child(key), codingPath: codingPath + [key])
        }
    }

    private struct Unkeyed: UnkeyedEncodingContainer {
        let node: JSONNode
        var codingPath: [any CodingKey]
        var count: Int {
            if case let .array(items) = node.value { return items.count }
            return 0
        }

        private func append() -> JSONNode {
            let child = JSONNode()
            if case var .array(items) = node.value {
                items.append(child)
                node.value = .array(items)
            }
            return child
        }

        mutating func encodeNil() throws { append().value = .null }

        mutating func encode<T: Encodable>(_ value: T) throws {
            try value.encode(to: JSONTreeEncoder(node: append(), codingPath: codingPath))
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            JSONTreeEncoder(node: append(), codingPath: codingPath).container(keyedBy: keyType)
        }

        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            JSONTreeEncoder(node: append(), codingPath: codingPath).unkeyedContainer()
        }

        mutating func superEncoder() -> any Encoder { JSONTreeEncoder(node: append(), codingPath: codingPath) }
    }

    private struct Single: SingleValueEncodingContainer {
        let node: JSONNode
        var codingPath: [any CodingKey]

        mutating func encodeNil() throws { node.value = .null }
        mutating func encode(_ value: Bool) throws { node.value = .bool(value) }
        mutating func encode(_ value: String) throws { node.value = .string(value) }
        mutating func encode(_ value: Double) throws { node.value = .double(value) }
        mutating func encode(_ value: Float) throws { node.value = .double(Double(value)) }
        mutating func encode(_ value: Int) throws { node.value = .int(value) }
        mutating func encode(_ value: Int8) throws { node.value = .int(Int(value)) }
        mutating func encode(_ value: Int16) throws { node.value = .int(Int(value)) }
        mutating func encode(_ value: Int32) throws { node.value = .int(Int(value)) }
        mutating func encode(_ value: Int64) throws { node.value = .int(Int(value)) }
        mutating func encode(_ value: UInt) throws { node.value = .int(Int(value)) }
        mutating func encode(_ value: UInt8) throws { node.value = .int(Int(value)) }
        mutating func encode(_ value: UInt16) throws { node.value = .int(Int(value)) }
        mutating func encode(_ value: UInt32) throws { node.value = .int(Int(value)) }
        mutating func encode(_ value: UInt64) throws { node.value = .int(Int(value)) }

        mutating func encode<T: Encodable>(_ value: T) throws {
            try value.encode(to: JSONTreeEncoder(node: node, codingPath: codingPath))
        }
    }
}

extension Report {
    /// The report as JSON (`schemas/report.schema.json`, draft 2020-12): keys sorted and in
    /// snake_case, two-space indentation, raw integers, ratios with 4 decimals, trailing newline.
    /// Decodes back with a `JSONDecoder` using `.convertFromSnakeCase`.
    public func json() -> String {
        // Encoding plain structs, enums, strings and numbers into a tree cannot fail.
        (try? JSONTreeEncoder.encode(self))?.printed() ?? "{}\n"
    }
}
