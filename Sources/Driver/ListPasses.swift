import Passes

/// `pare list-passes`: every registered pass, its summary, and its options with defaults.
public enum ListPasses {
    public static func text() -> String {
        var out: [String] = []
        for name in PassRegistry.names {
            guard let type = PassRegistry.lookup(name) else { continue }
            out.append("\(name)  \(type.summary)")
            let defaults = type.defaultStep.options.sorted { $0.key < $1.key }
            for (key, value) in defaults { out.append("    \(key) = \(value)") }
        }
        return out.joined(separator: "\n") + "\n"
    }
}
