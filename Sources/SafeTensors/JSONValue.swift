/// A JSON value as the safetensors header and the shard index need it.
///
/// Integers that fit in `Int` are kept exact (`.int`); every other number (fractions, exponents,
/// integers beyond ±2⁶³) is `.otherNumber`, which no field accepts. Object members keep their
/// file order and duplicates, so that callers can report a repeated key instead of silently
/// keeping one of them.
enum JSONValue {
    case null
    case bool(Bool)
    case int(Int)
    case otherNumber
    case string(String)
    case array([JSONValue])
    case object([JSONMember])
}

/// One `"key": value` of a JSON object.
struct JSONMember {
    var key: String
    var value: JSONValue
}
