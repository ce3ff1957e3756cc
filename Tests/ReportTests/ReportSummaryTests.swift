import ModelIR
@testable import Report
import Testing

/// Oracle: the figures and warnings the Markdown report shows, one line each; notes only counted.
@Suite struct ReportSummaryTests {
    let minilm = Skeleton(dense: .miniLM)

    @Test func summaryHasTheHeadlineTheWarningsAndCountsNotes() {
        let after = Scenarios.map(minilm, "blocks.{0,3}.attention.q") { Scenarios.lowRank($0, rank: 192) }
        let notes = [Diagnostic(.note, at: "blocks.0.mlp", "kept 3 of 4"), Diagnostic(.note, at: "blocks.1.mlp", "kept 2 of 4")]
        let report = Report(ReportInput(model: "m", workload: Scenarios.minilmWorkload, before: minilm,
                                        stages: [Stage(pass: "p", skeleton: after)], diagnostics: notes))
        let lines = report.summary().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.first == "Pare report: m" && lines.last == "")
        let markdown = report.markdown()
        for figure in lines.dropFirst().prefix { $0.hasPrefix("  ") } {
            // "  label: value (note)" is the Markdown figure "- label: **value** (note)".
            let label = figure.dropFirst(2).prefix { $0 != ":" }
            #expect(markdown.contains("- \(label): **"), "\(figure)")
        }
        let warning = report.warnings.first { $0.severity == .warning }!
        #expect(lines.contains("warning blocks.{0,3}.attention.q: \(warning.message); \(warning.hint)"))
        #expect(lines.dropLast().last == "2 notes in the full report")
        #expect(!lines.contains { $0.contains("kept 3 of 4") })
    }

    @Test func noWarnings() {
        let report = Report(ReportInput(model: "m", workload: Scenarios.minilmWorkload, before: minilm))
        #expect(report.summary().hasSuffix("\nno warnings\n"))
    }
}
