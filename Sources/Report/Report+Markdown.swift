extension Report {
    /// The report as GitHub-flavoured Markdown: the same sections as the HTML page, without the chart.
    public func markdown() -> String {
        let doc = document()
        var out = ["# " + Markdown.escape(doc.title), "", Markdown.escape(doc.subtitle)]
        for block in doc.blocks {
            out.append("")
            switch block {
            case let .heading(level, text, _):
                out.append(String(repeating: "#", count: level) + " " + Markdown.escape(text))
            case let .paragraph(inlines):
                out.append(Markdown.inline(inlines))
            case let .figures(figures):
                out += figures.map { "- \(Markdown.escape($0.label)): **\(Markdown.escape($0.value))** (\(Markdown.escape($0.note)))" }
            case let .list(ordered, items):
                out += items.enumerated().map { i, item in (ordered ? "\(i + 1). " : "- ") + Markdown.inline(item) }
            case let .warnings(warnings):
                out += warnings.map { w in
                    let at = w.displayLocations(blockCount: architecture.layers).map { Markdown.code($0) }
                        .joined(separator: ", ")
                    var line = "- **\(w.severity.rawValue)** \(at): \(Markdown.escape(w.message))"
                    if !w.hint.isEmpty { line += "; *\(Markdown.escape(w.hint))*" }
                    return line
                }
            case let .table(table):
                out += Markdown.table(table)
            case .chart, .lineChart:
                out.removeLast()
            }
        }
        return out.joined(separator: "\n") + "\n"
    }
}

enum Markdown {
    /// Backslash-escapes the characters Markdown would read as markup.
    static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            if "\\`*_[]<>|".contains(c) { out.append("\\") }
            out.append(c)
        }
        return out
    }

    /// A code span that survives backticks and table pipes in `s`.
    static func code(_ s: String) -> String {
        let body = s.replacingAll("|", with: "\\|")
        return body.contains("`") ? "`` " + body + " ``" : "`" + body + "`"
    }

    static func inline(_ inlines: [ReportDocument.Inline]) -> String {
        inlines.map { piece in
            switch piece {
            case let .text(s): escape(s)
            case let .code(s): code(s)
            case let .strong(s): s.isEmpty ? "" : "**" + escape(s) + "**"
            case let .emphasis(s): s.isEmpty ? "" : "*" + escape(s) + "*"
            }
        }.joined()
    }

    static func table(_ t: ReportDocument.Table) -> [String] {
        func row(_ cells: [String]) -> String { "| " + cells.joined(separator: " | ") + " |" }
        var lines = [row(t.columns.map { escape($0.label) }),
                     "|" + t.columns.map { $0.numeric ? "---:|" : "---|" }.joined()]
        lines += (t.rows + t.footer).map { row($0.map { inline($0.content) }) }
        return lines
    }
}

extension String {
    /// Every occurrence of `target` replaced, without Foundation.
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for c in self {
            if c == target { out += replacement } else { out.append(c) }
        }
        return out
    }
}
