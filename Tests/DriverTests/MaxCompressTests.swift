import Foundation
import Testing
import ModelIR
import Passes
@testable import Driver

/// `passes/max-compress.yaml` end to end on the tiny BERT with a PEFT adapter: merge, heads, FFN
/// neurons, int8 and the elimination profile in one compile. Oracles: the verifier and `pare verify`, `pare inspect` of the written
/// artifact (the report's totals and layers must equal what inspect counts from the file), and
/// the report's own sums (the steps add up to the totals, layer by layer).
@Suite struct MaxCompressTests {
    let directory = InspectTests.temporaryDirectory("pare-max-compress")
    let model = InspectTests.fixtures + "/tiny-bert"
    let recipe = InspectTests.repository + "/passes/max-compress.yaml"
    let adapter = InspectTests.fixtures + "/lora/bert-lora"

    @Test func reportAgreesWithInspectOfTheArtifact() async throws {
        let path = directory + "/m.pare"
        let workload = Workload(batch: 2, sequenceLength: 16)
        let result = try await Compile.run(model: model, output: path,
                                           options: .init(recipe: recipe, workload: workload, adapters: [adapter]))
        let report = result.report
        #expect(result.manifest.passLog.map { $0.pass } == ["merge-lora", "head-prune", "ffn-prune", "int8-quantize", "elimination-profile"])
        // On the tiny model ⌊0.1 · 8⌋ = 0 heads go, so that step leaves it as it is (with a note);
        // the MiniLM test below sees the other four change it.
        #expect(result.manifest.passLog.map(\.changed) == [true, false, true, true, true])
        #expect(try ArtifactTools.verify(path).problems.isEmpty)

        let inspected = try Inspect.run(path: path, workload: workload)
        let flops = try #require(inspected.flops)
        #expect(report.totals.after.parameters == inspected.parameters)
        #expect(report.totals.after.bytes == inspected.bytesByDType.values.reduce(0, +))
        #expect(report.totals.after.flops == flops.total)
        let blocks = report.layers.filter { $0.layer.hasPrefix("blocks.") }
        #expect(blocks.map(\.after.flops) == flops.layers.map(\.total))
        #expect(report.layers.first?.after.flops == flops.embeddings && report.layers.last?.after.flops == flops.head)

        // Each pass's contribution, layer by layer, sums to the change of that layer.
        for (i, row) in report.layers.enumerated() {
            let steps = report.passes.map { $0.layers[i].delta }
            #expect(steps.map(\.flops).reduce(0, +) == row.after.flops - row.before.flops, "\(row.layer) FLOPs")
            #expect(steps.map(\.parameters).reduce(0, +) == row.after.parameters - row.before.parameters, "\(row.layer) parameters")
            #expect(steps.map(\.bytes).reduce(0, +) == row.after.bytes - row.before.bytes, "\(row.layer) bytes")
        }
        #expect(report.passes.last?.after == report.totals.after)
        #expect(report.totals.after.parameters < report.totals.before.parameters)
        #expect(report.totals.after.bytes < report.totals.before.bytes)
    }

    /// The README's main job: every step changes MiniLM, and the plan's static skeletons agree
    /// with the compile's (the data-dependent head choice aside, which plan cannot know).
    @Test(.enabled(if: InspectTests.miniLMAvailable))
    func miniLMCompilesWithEveryStep() async throws {
        let result = try await Compile.run(model: InspectTests.miniLM, output: directory + "/minilm.pare", options: .init(recipe: recipe))
        #expect(result.manifest.passLog.map(\.changed) == [false, true, true, true, true])
        #expect(try ArtifactTools.verify(directory + "/minilm.pare").problems.isEmpty)
        let inspected = try Inspect.run(path: directory + "/minilm.pare", workload: Workload())
        #expect(result.report.totals.after.parameters == inspected.parameters)
        #expect(result.report.totals.after.bytes * 10 < result.report.totals.before.bytes * 7, "int8 blocks; the f32 embeddings stay")
    }

    @Test func withoutAnAdapterTheMergeStepOnlyNotes() async throws {
        let plan = try Compile.plan(model: model, options: .init(recipe: recipe))
        #expect(!plan.hasErrors)
        #expect(plan.diagnostics.contains(MergeLoRA.nothingToMerge))
        let result = try await Compile.run(model: model, output: directory + "/n.pare", options: .init(recipe: recipe))
        let merge = try #require(result.manifest.passLog.first)
        #expect(merge.pass == "merge-lora" && !merge.changed)
    }
}
