import ArgumentParser
import Calibration
import ModelIR
import Report

// The option values the commands parse, named so the executable needs no module but Driver.

extension CurveFit.Kind: ExpressibleByArgument {}
extension ACCMeasurement.Aggregate: ExpressibleByArgument {}
extension EliminationProfile.Mode: ExpressibleByArgument {}

/// What eliminated tokens become: `drop` or `merge` (`--elimination-mode`).
public typealias EliminationMode = EliminationProfile.Mode
/// The curve fitted to ACC (`--fit`).
public typealias CurveFitKind = CurveFit.Kind
/// How ACC is aggregated over samples (`--aggregate`).
public typealias ACCAggregate = ACCMeasurement.Aggregate

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

extension Diagnostic {
    /// The line a command prints on stderr: `error: <where>: <what>; <what to do>`.
    public var line: String { "\(severity == .error ? "error" : severity.rawValue): \(self)" }
}
