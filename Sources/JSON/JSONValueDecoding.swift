/// The `Decoder` behind `JSONValueDecoder`: reads one `JSONValue` at `path`.
struct JSONValueDecoding: Decoder {
    let value: JSONValue
    let path: JSONPath
    let keys: @Sendable (String) -> String
    let requested: RequestedKeys?

    var codingPath: [any CodingKey] { path.codingPath }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func nested(_ value: JSONValue, _ component: JSONPath.Component) -> JSONValueDecoding {
        JSONValueDecoding(value: value, path: path.appending(component), keys: keys, requested: nil)
    }

    func decodeValue<T: Decodable>(_ type: T.Type) throws -> T {
        switch type {
        case is JSONValue.Type: return value as! T
        case is Bool.Type: return try bool() as! T
        case is String.Type: return try string() as! T
        case is Double.Type: return try double() as! T
        case is Float.Type: return Float(try double()) as! T
        case is Int.Type: return try integer(Int.self) as! T
        default: return try T(from: self)
        }
    }

    func mismatch(_ expected: String) -> JSONError {
        .typeMismatch(path: path, expected: expected, found: value.kind)
    }

    func bool() throws(JSONError) -> Bool {
        guard let b = value.boolValue else { throw mismatch("true or false") }
        return b
    }

    func string() throws(JSONError) -> String {
        guard let s = value.stringValue else { throw mismatch("a string") }
        return s
    }

    func double() throws(JSONError) -> Double {
        guard let d = value.doubleValue else { throw mismatch("a number") }
        return d
    }

    func integer<I: FixedWidthInteger>(_ type: I.Type) throws(JSONError) -> I {
        guard let i = value.intValue else { throw mismatch("an integer") }
        guard let exact = I(exactly: i) else {
            throw .invalidValue(path: path, reason: "\(i) does not fit in \(I.self)")
        }
        return exact
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard let members = value.dictionary else { throw mismatch("an object") }
        return KeyedDecodingContainer(Keyed<Key>(decoder: self, members: members))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard let elements = value.arrayValue else { throw mismatch("an array") }
        return Unkeyed(decoder: self, elements: elements)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { Single(decoder: self) }

    private struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let decoder: JSONValueDecoding
        let members: [String: JSONValue]
        var codingPath: [any CodingKey] { decoder.codingPath }
        var allKeys: [Key] { members.keys.sorted().compactMap { Key(stringValue: $0) } }

        private func name(_ key: Key) -> String {
            let name = decoder.keys(key.stringValue)
            decoder.requested?.note(name)
            return name
        }

        func contains(_ key: Key) -> Bool { members[name(key)] != nil }

        private func child(_ key: Key) throws(JSONError) -> JSONValueDecoding {
            let name = name(key)
            guard let value = members[name] else { throw .missingKey(path: decoder.path, key: name) }
            return decoder.nested(value, .key(name))
        }

        func decodeNil(forKey key: Key) throws -> Bool { try child(key).value == .null }

        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try child(key).decodeValue(type) }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
            -> KeyedDecodingContainer<NestedKey>
        {
            try child(key).container(keyedBy: type)
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer { try child(key).unkeyedContainer() }

        func superDecoder() throws -> any Decoder { decoder.nested(members["super"] ?? .null, .key("super")) }

        func superDecoder(forKey key: Key) throws -> any Decoder { try child(key) }
    }

    private struct Unkeyed: UnkeyedDecodingContainer {
        let decoder: JSONValueDecoding
        let elements: [JSONValue]
        var currentIndex = 0
        var codingPath: [any CodingKey] { decoder.codingPath }
        var count: Int? { elements.count }
        var isAtEnd: Bool { currentIndex >= elements.count }

        private mutating func next() throws(JSONError) -> JSONValueDecoding {
            guard !isAtEnd else {
                throw .invalidValue(path: decoder.path, reason: "the array ends after \(elements.count) elements")
            }
            defer { currentIndex += 1 }
            return decoder.nested(elements[currentIndex], .index(currentIndex))
        }

        mutating func decodeNil() throws -> Bool {
            guard !isAtEnd, elements[currentIndex] == .null else { return false }
            currentIndex += 1
            return true
        }

        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next().decodeValue(type) }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
            try next().container(keyedBy: type)
        }

        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next().unkeyedContainer() }

        mutating func superDecoder() throws -> any Decoder { try next() }
    }

    private struct Single: SingleValueDecodingContainer {
        let decoder: JSONValueDecoding
        var codingPath: [any CodingKey] { decoder.codingPath }

        func decodeNil() -> Bool { decoder.value == .null }
        func decode(_ type: Bool.Type) throws -> Bool { try decoder.bool() }
        func decode(_ type: String.Type) throws -> String { try decoder.string() }
        func decode(_ type: Double.Type) throws -> Double { try decoder.double() }
        func decode(_ type: Float.Type) throws -> Float { Float(try decoder.double()) }
        func decode(_ type: Int.Type) throws -> Int { try decoder.integer(type) }
        func decode(_ type: Int8.Type) throws -> Int8 { try decoder.integer(type) }
        func decode(_ type: Int16.Type) throws -> Int16 { try decoder.integer(type) }
        func decode(_ type: Int32.Type) throws -> Int32 { try decoder.integer(type) }
        func decode(_ type: Int64.Type) throws -> Int64 { try decoder.integer(type) }
        func decode(_ type: UInt.Type) throws -> UInt { try decoder.integer(type) }
        func decode(_ type: UInt8.Type) throws -> UInt8 { try decoder.integer(type) }
        func decode(_ type: UInt16.Type) throws -> UInt16 { try decoder.integer(type) }
        func decode(_ type: UInt32.Type) throws -> UInt32 { try decoder.integer(type) }
        func decode(_ type: UInt64.Type) throws -> UInt64 { try decoder.integer(type) }
        func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.decodeValue(type) }
    }
}
