/// What went wrong reading, decoding or writing JSON, with the field path it happened at.
/// `description` reads `<path>: <what>; <what to do>` (DESIGN.md §7); callers prefix the file.
public enum JSONError: Error, Sendable, Equatable {
    // MARK: Parsing
    /// Not UTF-8; `offset` is the first bad byte.
    case invalidUTF8(offset: Int)
    /// Not JSON grammar; `offset` is the byte where parsing stopped, inside the value at `path`.
    case syntax(offset: Int, path: JSONPath)
    /// Nested deeper than `limit` arrays and objects.
    case tooDeep(offset: Int, path: JSONPath, limit: Int)
    /// The document is longer than `limit` bytes.
    case tooLarge(bytes: Int, limit: Int)
    /// An object repeats `key` (the path names the object).
    case duplicateKey(path: JSONPath, key: String)

    // MARK: Decoding
    /// The value at `path` is `found` where `expected` was needed (both as in `JSONValue.kind`).
    case typeMismatch(path: JSONPath, expected: String, found: String)
    /// The object at `path` has no member `key`.
    case missingKey(path: JSONPath, key: String)
    /// The value at `path` is of the right type but not acceptable (`reason` says why).
    case invalidValue(path: JSONPath, reason: String)

    // MARK: Encoding
    /// The value at `path` has no JSON spelling (NaN, ±∞, an integer beyond Int); `value` is its text.
    case unencodable(path: JSONPath, value: String)

    /// The byte offset where parsing stopped; nil for errors that are not about bytes.
    public var offset: Int? {
        switch self {
        case let .invalidUTF8(offset), let .syntax(offset, _), let .tooDeep(offset, _, _): offset
        default: nil
        }
    }

    /// Where it happened.
    public var path: JSONPath {
        switch self {
        case .invalidUTF8, .tooLarge: .root
        case let .syntax(_, path), let .tooDeep(_, path, _), let .duplicateKey(path, _), let .typeMismatch(path, _, _),
             let .missingKey(path, _), let .invalidValue(path, _), let .unencodable(path, _): path
        }
    }
}
