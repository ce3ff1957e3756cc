import Foundation

extension Compile.Result {
    /// What `pare compile` prints: the report's headline figures and warnings (`Report.summary`),
    /// the artifact written, and where the full report is (`reportDirectory`, or how to get it).
    public func summary(output: String, reportDirectory: String?) -> String {
        var lines = ["artifact: \(output)"]
        if let reportDirectory {
            let html = (reportDirectory as NSString).appendingPathComponent("report.html")
            lines.append("report: \(html) (and report.md, report.json beside it)")
        } else {
            lines.append("full report: pare report \(output) [--format md|json|html], or compile with --print-report or --report-dir DIR")
        }
        return report.summary() + lines.joined(separator: "\n") + "\n"
    }
}
