/// The `Encoder` behind `JSONValueEncoder`: writes into a `JSONNode`.
struct JSONNodeEncoder: Encoder {
    /// `JSONValueEncoder`'s settings.
    struct Options {
        let keys: @Sendable (String) -> String
        let convertingDictionaryKeys: Bool
        let allowingNonFinite: Bool
    }

    let node: JSONNode
    var codingPath: [any CodingKey]
    let options: Options
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func nested(_ node: JSONNode, _ key: (any CodingKey)?) -> JSONNodeEncoder {
        JSONNodeEncoder(node: node, codingPath: key.map { codingPath + [$0] } ?? codingPath, options: options)
    }

    /// `value` into this node; a `JSONValue` is stored as it is.
    func encodeValue<T: Encodable>(_ value: T) throws {
        if let json = value as? JSONValue {
            node.content = .value(json)
        } else if !options.convertingDictionaryKeys, let dictionary = value as? any StringKeyedDictionary {
            node.makeObject()
            try dictionary.encodeMembers { key, member in
                try nested(node.child(key), JSONCodingKey(stringValue: key)).encodeValue(member)
            }
        } else {
            try value.encode(to: self)
        }
    }

    func set(_ value: JSONValue) { node.content = .value(value) }

    func set(double d: Double) throws {
        guard d.isFinite || options.allowingNonFinite else {
            throw JSONError.unencodable(path: JSONPath(codingPath: codingPath), value: "\(d)")
        }
        set(.double(d))
    }

    func set<I: BinaryInteger>(integer i: I) throws {
        guard let exact = Int(exactly: i) else {
            throw JSONError.unencodable(path: JSONPath(codingPath: codingPath), value: "\(i)")
        }
        set(.int(exact))
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        node.makeObject()
        return KeyedEncodingContainer(Keyed<Key>(encoder: self))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        node.makeArray()
        return Unkeyed(encoder: self)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { Single(encoder: self) }

    private struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let encoder: JSONNodeEncoder
        var codingPath: [any CodingKey] { encoder.codingPath }

        private func child(_ key: Key) -> JSONNodeEncoder {
            encoder.nested(encoder.node.child(encoder.options.keys(key.stringValue)), key)
        }

        mutating func encodeNil(forKey key: Key) throws { child(key).set(.null) }

        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            try child(key).singleValueContainerEncode(value)
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
            -> KeyedEncodingContainer<NestedKey>
        {
            child(key).container(keyedBy: keyType)
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            child(key).unkeyedContainer()
        }

        mutating func superEncoder() -> any Encoder {
            encoder.nested(encoder.node.child("super"), JSONCodingKey(stringValue: "super"))
        }

        mutating func superEncoder(forKey key: Key) -> any Encoder { child(key) }
    }

    private struct Unkeyed: UnkeyedEncodingContainer {
        let encoder: JSONNodeEncoder
        var codingPath: [any CodingKey] { encoder.codingPath }
        var count: Int { encoder.node.count }

        private func append() -> JSONNodeEncoder {
            let index = count
            return encoder.nested(encoder.node.append(), JSONCodingKey(intValue: index))
        }

        mutating func encodeNil() throws { append().set(.null) }

        mutating func encode<T: Encodable>(_ value: T) throws { try append().singleValueContainerEncode(value) }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            append().container(keyedBy: keyType)
        }

        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { append().unkeyedContainer() }

        mutating func superEncoder() -> any Encoder { append() }
    }

    /// Encodes `value` here, with the primitive types stored directly.
    func singleValueContainerEncode<T: Encodable>(_ value: T) throws {
        var single = Single(encoder: self)
        try single.encode(value)
    }

    private struct Single: SingleValueEncodingContainer {
        let encoder: JSONNodeEncoder
        var codingPath: [any CodingKey] { encoder.codingPath }

        mutating func encodeNil() throws { encoder.set(.null) }
        mutating func encode(_ value: Bool) throws { encoder.set(.bool(value)) }
        mutating func encode(_ value: String) throws { encoder.set(.string(value)) }
        mutating func encode(_ value: Double) throws { try encoder.set(double: value) }
        mutating func encode(_ value: Float) throws {
            guard value.isFinite else { return try encoder.set(double: Double(value)) }
            try encoder.set(double: Double(value.description)!)
        }
        mutating func encode(_ value: Int) throws { encoder.set(.int(value)) }
        mutating func encode(_ value: Int8) throws { try encoder.set(integer: value) }
        mutating func encode(_ value: Int16) throws { try encoder.set(integer: value) }
        mutating func encode(_ value: Int32) throws { try encoder.set(integer: value) }
        mutating func encode(_ value: Int64) throws { try encoder.set(integer: value) }
        mutating func encode(_ value: UInt) throws { try encoder.set(integer: value) }
        mutating func encode(_ value: UInt8) throws { try encoder.set(integer: value) }
        mutating func encode(_ value: UInt16) throws { try encoder.set(integer: value) }
        mutating func encode(_ value: UInt32) throws { try encoder.set(integer: value) }
        mutating func encode(_ value: UInt64) throws { try encoder.set(integer: value) }

        mutating func encode<T: Encodable>(_ value: T) throws {
            switch value {
            case let v as Bool: try encode(v)
            case let v as String: try encode(v)
            case let v as Double: try encode(v)
            case let v as Float: try encode(v)
            case let v as Int: try encode(v)
            default: try encoder.encodeValue(value)
            }
        }
    }
}

/// `[String: V]`, whose keys are data rather than property names.
protocol StringKeyedDictionary {
    func encodeMembers(_ body: (String, any Encodable) throws -> Void) rethrows
}

extension Dictionary: StringKeyedDictionary where Key == String, Value: Encodable {
    func encodeMembers(_ body: (String, any Encodable) throws -> Void) rethrows {
        for (key, value) in self { try body(key, value) }
    }
}
