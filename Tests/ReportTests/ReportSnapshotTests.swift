import ModelIR
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

    /// Priced with a measured machine profile: the rates change the runtime figures, the
    /// report names the profile and its machine instead of the built-in reference.
    @Test func minilmPipelineOnAMeasuredMachineMarkdown() throws {
        var input = Scenarios.minilmPipeline()
        let profile = MachineProfile(
            machine: .init(cpu: "Example CPU", flags: ["avx2", "fma"], threads: 2, blasCore: "Haswell", int8Kernel: "oneDNN avx2"),
            measuredOn: "2026-12-07",
            gemm: GEMMRateTable(m: [16, 1024], n: [64, 1536], k: [64, 1536], f32: [40, 60, 50, 80, 90, 150, 120, 200],
                                int8: [50, 80, 60, 110, 100, 180, 150, 260]),
            attentionGemmGflops: 50,
            nanosecondsPerElement: .init(quantize: 0.3, dequantize: 0.4, softmax: 1, activation: 0.6, elementwise: 0.15, norms: 0.75),
            triadGigabytesPerSecond: 20)
        input.rates = profile.rates
        input.machine = MachineProfile.Summary(profile: "machine.json", cpu: "Example CPU", threads: 2, measuredOn: "2026-12-07")
        try Snapshot.check(Report(input).markdown(), "minilm-pipeline-measured-machine.md")
    }
}
