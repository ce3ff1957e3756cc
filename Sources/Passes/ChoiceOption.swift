/// A string option with a fixed set of values: conforming enums decode only their raw values,
/// and anything else fails with the list ("one of a, b"), which `Pass.make` turns into
/// "option 'x' must be one of a, b".
protocol ChoiceOption: RawRepresentable, CaseIterable, Decodable where RawValue == String {}

extension ChoiceOption {
    public init(from decoder: Decoder) throws {
        let choices = "one of " + Self.allCases.map(\.rawValue).joined(separator: ", ")
        guard let text = try? decoder.singleValueContainer().decode(String.self), let value = Self(rawValue: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: choices))
        }
        self = value
    }
}
