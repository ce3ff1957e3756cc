extension Report {
    /// A few lines for a terminal: the title, the key figures the rendered reports open with, each
    /// warning and error on one line (`warning blocks.*.mlp.up: …; …`), and how many notes the full
    /// report has. The full report is `markdown()`, `html()` or `json()`.
    public func summary() -> String {
        let doc = document()
        var out = [doc.title]
        for case let .figures(figures) in doc.blocks {
            out += figures.map { "  \($0.label): \($0.value) (\($0.note))" }
            break
        }
        let findings = warnings.filter { $0.severity != .note }, notes = warnings.count - findings.count
        out += findings.map { w in
            let at = w.displayLocations(blockCount: architecture.layers).joined(separator: ", ")
            return "\(w.severity.rawValue) \(at): \(w.message)" + (w.hint.isEmpty ? "" : "; \(w.hint)")
        }
        let noted = notes == 0 ? "" : "\(notes) note\(notes == 1 ? "" : "s") in the full report"
        out.append(findings.isEmpty ? "no warnings" + (noted.isEmpty ? "" : "; " + noted) : noted)
        return out.filter { !$0.isEmpty }.joined(separator: "\n") + "\n"
    }
}
