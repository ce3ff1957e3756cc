import ArgumentParser
import Report

/// A report's rendering (`--format`).
public enum ReportFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case md, json, html

    /// `report` in this format.
    public func render(_ report: Report) -> String {
        switch self {
        case .md: report.markdown()
        case .json: report.json()
        case .html: report.html()
        }
    }
}
