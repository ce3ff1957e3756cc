import ModelIR

extension Diagnostic {
    /// The line a command prints on stderr: `error: <where>: <what>; <what to do>`.
    public var line: String { "\(severity == .error ? "error" : severity.rawValue): \(self)" }
}
