/// Decodes any `Decodable` from a `JSONValue`, without text in between.
///
/// Types are strict: booleans are not numbers, numbers are not strings; an integer type takes
/// `.int` or a `.double` with an exact integer value in its range; a floating type takes any
/// number. Errors are `JSONError`s naming the path; a `DecodingError` a type's own
/// `init(from:)` throws becomes `.invalidValue` at its coding path with its description.
public struct JSONValueDecoder {
    /// How a Swift coding key is spelled in JSON.
    public var keys: @Sendable (String) -> String

    public init(keys: @escaping @Sendable (String) -> String = { $0 }) { self.keys = keys }

    public func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws(JSONError) -> T {
        try Self.translatingErrors {
            try JSONValueDecoding(value: value, path: .root, keys: keys, requested: nil).decodeValue(type)
        }
    }

    /// The keys `type`'s `init(from:)` asks for at the top level when decoding `value` (e.g. its
    /// defaults), in the order asked: for a synthesized init, every stored property, optional or not.
    public func requestedKeys<T: Decodable>(_ type: T.Type, decoding value: JSONValue) -> [String] {
        let requested = RequestedKeys()
        _ = try? JSONValueDecoding(value: value, path: .root, keys: keys, requested: requested).decodeValue(type)
        return requested.keys
    }

    static func translatingErrors<T>(_ body: () throws -> T) throws(JSONError) -> T {
        do {
            return try body()
        } catch let error as JSONError {
            throw error
        } catch let DecodingError.keyNotFound(key, context) {
            throw .missingKey(path: JSONPath(codingPath: context.codingPath), key: key.stringValue)
        } catch let DecodingError.valueNotFound(_, context) {
            throw .typeMismatch(path: JSONPath(codingPath: context.codingPath), expected: "a value", found: "null")
        } catch let DecodingError.typeMismatch(_, context) {
            throw .invalidValue(path: JSONPath(codingPath: context.codingPath), reason: context.debugDescription)
        } catch let DecodingError.dataCorrupted(context) {
            throw .invalidValue(path: JSONPath(codingPath: context.codingPath), reason: context.debugDescription)
        } catch {
            throw .invalidValue(path: .root, reason: "\(error)")
        }
    }
}

/// Which keys a decode asked for (see `JSONValueDecoder.requestedKeys`).
final class RequestedKeys {
    var keys: [String] = []
    func note(_ key: String) { if !keys.contains(key) { keys.append(key) } }
}

extension JSONValue: Codable {
    /// Any JSON value (with JSONValueDecoder, exactly the value; with other decoders, booleans,
    /// then integers, then other numbers are tried in that order).
    public init(from decoder: any Decoder) throws {
        if let decoding = decoder as? JSONValueDecoding {
            self = decoding.value
            return
        }
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .double(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(sorting: try c.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case let .bool(b): try c.encode(b)
        case let .int(i): try c.encode(i)
        case let .double(d): try c.encode(d)
        case let .string(s): try c.encode(s)
        case let .array(a): try c.encode(a)
        case .object: try c.encode(dictionary!)
        }
    }
}
