/// A finding about the IR or a pipeline step: where, what, and what to do.
public struct Diagnostic: Equatable, Hashable, Codable, Sendable, CustomStringConvertible {
    public enum Severity: String, Codable, Sendable, Comparable {
        case note, warning, error
        public static func < (a: Severity, b: Severity) -> Bool {
            let order: [Severity] = [.note, .warning, .error]
            return order.firstIndex(of: a)! < order.firstIndex(of: b)!
        }
    }

    public var severity: Severity
    /// A layer path, tensor name or file, e.g. `blocks.3.mlp.up`.
    public var location: String
    public var message: String
    /// What the user should do; empty when nothing needs doing.
    public var hint: String

    public init(_ severity: Severity, at location: String, _ message: String, hint: String = "") {
        self.severity = severity
        self.location = location
        self.message = message
        self.hint = hint
    }

    /// `blocks.3.mlp.up: weight is f32[37, 32], expected [32, 37]; re-export the checkpoint`
    public var description: String {
        hint.isEmpty ? "\(location): \(message)" : "\(location): \(message); \(hint)"
    }
}
