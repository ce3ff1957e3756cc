import Foundation

/// Strict RFC 8259 parser over UTF-8 bytes, hardened for hostile input (fuzzed in `FuzzTargets`).
///
/// Checked: UTF-8, grammar, string escapes (including surrogate pairs), control characters
/// inside strings, nesting depth ≤ `Limits.depth`, size ≤ `Limits.bytes`, nothing but whitespace
/// after the top-level value, and (unless `Limits.duplicateKeys` is `.keep`) that no object
/// repeats a key. Errors name the byte offset and the field path where parsing stopped.
public struct JSONParser {
    /// Bounds on what a document may be.
    public struct Limits: Sendable {
        /// Maximum nesting of arrays and objects; bounds the recursion.
        public var depth: Int
        /// Maximum document size in bytes; nil for no limit.
        public var bytes: Int?
        /// Whether a repeated key is an error (`.reject`) or kept for the caller to judge (`.keep`).
        public var duplicateKeys: DuplicateKeys

        public enum DuplicateKeys: Sendable { case reject, keep }

        public init(depth: Int = 64, bytes: Int? = nil, duplicateKeys: DuplicateKeys = .reject) {
            self.depth = depth
            self.bytes = bytes
            self.duplicateKeys = duplicateKeys
        }

        public static let standard = Limits()
    }

    let bytes: UnsafeRawBufferPointer
    let limits: Limits
    var position = 0
    /// The path of the value being parsed, for errors.
    var path: [JSONPath.Component] = []

    /// Parses one JSON document occupying all of `bytes` (surrounding whitespace allowed).
    public static func parse(_ bytes: UnsafeRawBufferPointer, limits: Limits = .standard) throws(JSONError) -> JSONValue {
        if let limit = limits.bytes, bytes.count > limit { throw .tooLarge(bytes: bytes.count, limit: limit) }
        if let offset = firstInvalidUTF8Offset(bytes) { throw .invalidUTF8(offset: offset) }
        var parser = JSONParser(bytes: bytes, limits: limits)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.position == bytes.count else { throw parser.failure }
        return value
    }

    /// Parses the JSON document `bytes`.
    public static func parse(_ bytes: some Collection<UInt8>, limits: Limits = .standard) throws(JSONError) -> JSONValue {
        let result: Result<JSONValue, JSONError>? = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(JSONError) in try parse(UnsafeRawBufferPointer(buffer), limits: limits) }
        }
        if let result { return try result.get() }
        return try parse(Array(bytes), limits: limits)
    }

    /// Parses the JSON document `text`.
    public static func parse(_ text: String, limits: Limits = .standard) throws(JSONError) -> JSONValue {
        try parse(Array(text.utf8), limits: limits)
    }

    /// Parses the JSON file at `path`; nil when it cannot be read.
    public static func parse(contentsOf path: String, limits: Limits = .standard) throws(JSONError) -> JSONValue? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try parse(data, limits: limits)
    }

    init(bytes: UnsafeRawBufferPointer, limits: Limits) {
        self.bytes = bytes
        self.limits = limits
    }

    var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    var failure: JSONError { .syntax(offset: position, path: JSONPath(path)) }

    mutating func skipWhitespace() {
        while let b = current, b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { position += 1 }
    }

    private mutating func expect(_ literal: StaticString) throws(JSONError) {
        let count = literal.utf8CodeUnitCount
        guard position + count <= bytes.count else { throw failure }
        for i in 0..<count where bytes[position + i] != literal.utf8Start[i] {
            position += i
            throw failure
        }
        position += count
    }

    private mutating func parseValue(depth: Int) throws(JSONError) -> JSONValue {
        guard depth < limits.depth else { throw .tooDeep(offset: position, path: JSONPath(path), limit: limits.depth) }
        guard let b = current else { throw failure }
        switch b {
        case UInt8(ascii: "{"): return try parseObject(depth: depth)
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expect("true"); return .bool(true)
        case UInt8(ascii: "f"): try expect("false"); return .bool(false)
        case UInt8(ascii: "n"): try expect("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw failure
        }
    }

    private mutating func parseObject(depth: Int) throws(JSONError) -> JSONValue {
        position += 1  // {
        var members: [JSONMember] = []
        var seen = Set<String>()
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            position += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw failure }
            let key = try parseString()
            if limits.duplicateKeys == .reject, !seen.insert(key).inserted {
                throw .duplicateKey(path: JSONPath(path), key: key)
            }
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw failure }
            position += 1
            skipWhitespace()
            path.append(.key(key))
            members.append(JSONMember(key, try parseValue(depth: depth + 1)))
            path.removeLast()
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"): position += 1; return .object(members)
            default: throw failure
            }
        }
    }

    private mutating func parseArray(depth: Int) throws(JSONError) -> JSONValue {
        position += 1  // [
        var elements: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            position += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            path.append(.index(elements.count))
            elements.append(try parseValue(depth: depth + 1))
            path.removeLast()
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"): position += 1; return .array(elements)
            default: throw failure
            }
        }
    }
}

/// Offset of the first byte that is not part of well-formed UTF-8, nil when all of it is.
public func firstInvalidUTF8Offset(_ bytes: UnsafeRawBufferPointer) -> Int? {
    var parser = Unicode.UTF8.ForwardParser()
    var iterator = bytes.makeIterator()
    var offset = 0
    while true {
        switch parser.parseScalar(from: &iterator) {
        case let .valid(encoded): offset += encoded.count
        case .emptyInput: return nil
        case .error: return offset
        }
    }
}
