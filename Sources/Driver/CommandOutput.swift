import JSON

/// What a command prints: JSON for `--json` (sorted snake_case keys, two-space indentation,
/// trailing newline, so the same inputs give the same bytes) or text.
public protocol CommandOutput: Encodable {
    func text() -> String
}

extension CommandOutput {
    public func json() -> String { CommandJSON.text(try! CommandJSON.value(self)) }
}

/// The `--json` spelling: keys in snake_case (a run of capitals is one word, dictionary keys
/// kept), sorted, two-space indentation with `"key" : value`, trailing newline.
enum CommandJSON {
    static func value(_ output: some Encodable) throws(JSONError) -> JSONValue {
        try JSONValueEncoder(keys: JSONKeyCase.snakeCaseGroupingCapitals, convertingDictionaryKeys: false).encode(output)
    }

    static func text(_ value: JSONValue) -> String {
        try! JSONWriter.string(value, style: .prettySorted) + "\n"
    }
}
