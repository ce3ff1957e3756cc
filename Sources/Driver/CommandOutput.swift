import Foundation

/// What a command prints: JSON for `--json` (sorted snake_case keys, two-space indentation,
/// trailing newline, so the same inputs give the same bytes) or text.
public protocol CommandOutput: Encodable {
    func text() -> String
}

extension CommandOutput {
    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try! encoder.encode(self), as: UTF8.self) + "\n"
    }
}
