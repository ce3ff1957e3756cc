import Report
import Testing

/// Oracle: golden files reviewed by hand (Snapshots/), re-recorded only on purpose.
@Suite struct ReportSnapshotTests {
    @Test func minilmPipelineJSON() throws {
        try Snapshot.check(Report(Scenarios.minilmPipeline()).json(), "minilm-pipeline.json")
    }

    @Test func minilmPipelineMarkdown() throws {
        try Snapshot.check(Report(Scenarios.minilmPipeline()).markdown(), "minilm-pipeline.md")
    }

    @Test func minilmPipelineHTML() throws {
        try Snapshot.check(Report(Scenarios.minilmPipeline()).html(), "minilm-pipeline.html")
    }

    @Test func gpt2PlanJSON() throws {
        try Snapshot.check(Report(Scenarios.gpt2Plan()).json(), "tiny-gpt2-plan.json")
    }

    @Test func gpt2PlanMarkdown() throws {
        try Snapshot.check(Report(Scenarios.gpt2Plan()).markdown(), "tiny-gpt2-plan.md")
    }

    @Test func gpt2PlanHTML() throws {
        try Snapshot.check(Report(Scenarios.gpt2Plan()).html(), "tiny-gpt2-plan.html")
    }
}
