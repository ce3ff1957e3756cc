import ModelIR

/// Why a recipe or a pass failed: the step (index and pass name), what, and what to do.
public enum PassError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownPass(step: Int, name: String, suggestion: String?)
    case unknownOption(step: Int, pass: String, key: String, known: [String])
    case wrongType(step: Int, pass: String, key: String, expected: String)
    case invalidValue(key: String, value: String, expected: String)
    case invalidOption(step: Int, pass: String, key: String, value: String, expected: String)
    case recipeSyntax(source: String, reason: String)
    case checkFailed([Diagnostic])
    case verifierFailed(step: Int, pass: String, diagnostics: [Diagnostic])
    case failed(pass: String, reason: String)

    public var description: String {
        switch self {
        case let .unknownPass(step, name, suggestion):
            let hint = suggestion.map { "did you mean '\($0)'?" } ?? "run `pare list-passes` for the available passes"
            return "recipe step \(step + 1): unknown pass '\(name)'; \(hint)"
        case let .unknownOption(step, pass, key, known):
            let list = known.isEmpty ? "it takes no options" : "its options are " + known.joined(separator: ", ")
            return "recipe step \(step + 1) (\(pass)): unknown option '\(key)'; \(list)"
        case let .wrongType(step, pass, key, expected):
            return "recipe step \(step + 1) (\(pass)): option '\(key)' must be \(expected); fix its value in the recipe"
        case let .invalidValue(key, value, expected):
            return "option '\(key)': \(value) is out of range; use \(expected)"
        case let .invalidOption(step, pass, key, value, expected):
            return "recipe step \(step + 1) (\(pass)): option '\(key)' = \(value) is out of range; use \(expected)"
        case let .recipeSyntax(source, reason):
            return "\(source): \(reason); see schemas/recipe.schema.json"
        case let .checkFailed(diagnostics):
            return diagnostics.filter { $0.severity == .error }.map(\.description).joined(separator: "\nerror: ")
        case let .verifierFailed(step, pass, diagnostics):
            return "recipe step \(step + 1) (\(pass)) produced an invalid IR: "
                + diagnostics.map(\.description).joined(separator: "; ") + "; this is a bug in the pass, please report it"
        case let .failed(pass, reason):
            return "\(pass): \(reason)"
        }
    }
}
