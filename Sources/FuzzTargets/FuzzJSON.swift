import JSON

/// The JSON parser alone, on any document.
enum FuzzJSON {
    /// The input through the strict parser; an accepted document written back (`compactSorted`)
    /// must parse to the same value, up to member order and the spelling of integral numbers.
    static func document(_ input: [UInt8]) -> FuzzTarget.Outcome {
        .of {
            let value = try JSONParser.parse(input)
            // 1e999 parses as ∞, which has no spelling: the writer refuses it, as it must.
            guard let written = try? JSONWriter.bytes(value, style: .compactSorted) else { return }
            let reread = try JSONParser.parse(written)
            precondition(normalized(reread) == normalized(value), "the written document reads back differently")
        }
    }

    /// Members sorted by key, integral doubles as integers (`2.0` is written `2`).
    private static func normalized(_ value: JSONValue) -> JSONValue {
        switch value {
        case let .double(d): Int(exactly: d).map(JSONValue.int) ?? value
        case let .array(a): .array(a.map(normalized))
        case let .object(m):
            .object(m.map { JSONMember($0.key, normalized($0.value)) }.sorted { JSONValue.keyPrecedes($0.key, $1.key) })
        default: value
        }
    }
}
