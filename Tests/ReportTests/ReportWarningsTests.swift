import ModelIR
@testable import Report
import Testing

/// Oracle: the conditions of DESIGN.md §6 (r·(in+out) ≥ in·out; unstructured and N:M sparsity)
/// checked on skeletons built by hand, and low-rank break-even by the closed form of the runtime
/// cost model: rank r of an in → out f32 linear costs 2n·(in+out)·(r + r½) against 2n·in·out.
@Suite struct ReportWarningsTests {
    let minilm = Skeleton(dense: .miniLM)

    func report(_ after: Skeleton, diagnostics: [Diagnostic] = []) -> Report {
        Report(ReportInput(model: "m", workload: Scenarios.minilmWorkload, before: minilm,
                           stages: [Stage(pass: "p", skeleton: after)], diagnostics: diagnostics))
    }

    @Test func usefulLowRankRaisesNothing() {
        // 384 → 1536 at r = 64: (64 + 20)·1920 = 161,280 < 589,824.
        #expect(report(Scenarios.map(minilm, "blocks.*.mlp.up") { Scenarios.lowRank($0, rank: 64) }).warnings.isEmpty)
        // 384 → 384 at r = 171: (171 + 20)·768 = 146,688 < 147,456.
        #expect(report(Scenarios.map(minilm, "blocks.0.attention.q") { Scenarios.lowRank($0, rank: 171) }).warnings.isEmpty)
    }

    @Test func lowRankSlowerThanDenseIsFlagged() throws {
        // 384 → 384 at r = 172: 192·768 = 147,456 ≥ in·out, though 172·768 saves 10% of the FLOPs.
        let r = report(Scenarios.map(minilm, "blocks.0.attention.q") { Scenarios.lowRank($0, rank: 172) })
        let w = try #require(r.warnings.first)
        #expect(r.warnings.count == 1 && w.kind == .lowRankSlowerThanDense && w.locations == ["blocks.0.attention.q"])
        #expect(w.message.contains("saves 10% of its FLOPs") && w.message.contains("1.000× the dense GEMM's time"))
        #expect(w.hint == "use a rank below 172 for a speedup, or keep this weight dense")
        // The headline prices it: no speedup, though the FLOPs say otherwise.
        #expect(r.layers[1].speedup <= 1 && r.layers[1].flopsSpeedup > 1)
    }

    @Test func lowRankThatSavesNothing() throws {
        // r = 192: 192·768 = 147,456 = in·out, the boundary counts as saving nothing.
        let r = report(Scenarios.map(minilm, "blocks.{0,3}.attention.q") { Scenarios.lowRank($0, rank: 192) })
        let w = try #require(r.warnings.first)
        #expect(r.warnings.count == 1)
        #expect(w.kind == .lowRankSavesNothing && w.severity == .warning)
        #expect(w.locations == ["blocks.0.attention.q", "blocks.3.attention.q"])
        #expect(w.message.contains("147,456") && w.message.contains("saves nothing"))
        #expect(w.hint == "use a rank below 172 for a speedup, or keep this weight dense")
        #expect(r.markdown().contains("`blocks.{0,3}.attention.q`"))
    }

    @Test func sparsityWarnsThatDenseKernelsRealiseNothing() throws {
        let twoFour = report(Scenarios.map(minilm, "blocks.*.mlp.down") { Scenarios.nOfM($0, n: 2, m: 4) })
        let w = try #require(twoFour.warnings.first)
        #expect(twoFour.warnings.count == 1 && w.kind == .nOfMSparsity && w.locations.count == 6)
        #expect(w.message.contains("2:4") && w.message.contains("the headline speedup counts none of it"))
        // Priced dense in the headline, at a sparse kernel's count in the FLOP figures.
        #expect(twoFour.totals.speedup == 1 && twoFour.totals.flopsSpeedup > 1)
        #expect(twoFour.markdown().contains("`blocks.*.mlp.down`"))

        let unstructured = report(Scenarios.map(minilm, "head.pooler") { Scenarios.sparse($0, .unstructured, nonzeros: 100) })
        let u = try #require(unstructured.warnings.first)
        #expect(u.kind == .unstructuredSparsity && u.locations == ["head.pooler"])
        #expect(u.message.contains("Pare's runtime runs these weights dense, so the headline speedup counts none of it"))
        #expect(u.hint.contains("head-prune, ffn-prune"))
        // The FLOP saving is still counted: 2·nnz + bias on the CLS token.
        #expect(unstructured.layers.last?.after.flops == 2 * 100 + 384 + 384)
    }

    @Test func onlyTheFinalSkeletonIsChecked() {
        let wasted = Scenarios.map(minilm, "blocks.0.attention.q") { Scenarios.lowRank($0, rank: 384) }
        let r = Report(ReportInput(model: "m", workload: Scenarios.minilmWorkload, before: minilm,
                                   stages: [Stage(pass: "a", skeleton: wasted), Stage(pass: "b", skeleton: minilm)]))
        #expect(r.warnings.isEmpty)
    }

    @Test func diagnosticsPassThroughAfterTheFindings() {
        let d = Diagnostic(.error, at: "step 2 (svd-lowrank): blocks.3.mlp.up", "needs a dense weight but found int8",
                           hint: "move it before int8-quantize")
        let r = report(Scenarios.map(minilm, "blocks.0.mlp.down") { Scenarios.nOfM($0, n: 2, m: 4) }, diagnostics: [d])
        #expect(r.warnings.map(\.kind) == [.nOfMSparsity, .diagnostic])
        #expect(r.warnings[1] == Report.Warning(kind: .diagnostic, severity: .error, locations: [d.location],
                                                message: d.message, hint: d.hint))
        #expect(r.html().contains("<li class=\"error\">"))
    }
}
