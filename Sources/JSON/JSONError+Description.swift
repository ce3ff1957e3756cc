extension JSONError: CustomStringConvertible {
    /// `$.layers[3].name: expected a string but found an integer; fix that field`.
    public var description: String { "\(path): \(problem); \(remedy)" }

    /// What happened, without where.
    public var problem: String {
        switch self {
        case let .invalidUTF8(offset): "not UTF-8 (bad byte at offset \(offset))"
        case let .syntax(offset, _): "not valid JSON (parsing stopped at byte \(offset))"
        case let .tooDeep(offset, _, limit): "nested deeper than \(limit) levels (at byte \(offset))"
        case let .tooLarge(bytes, limit): "\(bytes) bytes is more than the \(limit)-byte limit"
        case let .duplicateKey(_, key): "key \(JSONWriter.quoted(key)) appears twice"
        case let .typeMismatch(_, expected, found): "expected \(expected) but found \(found)"
        case let .missingKey(_, key): "missing key \(JSONWriter.quoted(key))"
        case let .invalidValue(_, reason): reason
        case let .unencodable(_, value): "\(value) cannot be written as JSON"
        }
    }

    /// What to do about it.
    public var remedy: String {
        switch self {
        case .invalidUTF8, .syntax, .tooDeep, .tooLarge, .duplicateKey:
            "the file is damaged or not JSON; regenerate it"
        case .typeMismatch, .missingKey, .invalidValue:
            "fix that field"
        case .unencodable:
            "this is a bug, please report it"
        }
    }
}
