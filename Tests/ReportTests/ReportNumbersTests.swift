import ModelIR
@testable import Report
import Testing

/// Oracle: ACC-SPEC §6.1 worked by hand for MiniLM (d = 384, H = 12, d_h = 32, d_ff = 1536) at
/// n = 128 tokens, and PyTorch's parameter count of all-MiniLM-L6-v2 (22,713,216). Exact integers.
@Suite struct ReportNumbersTests {
    let minilm = Skeleton(dense: .miniLM)

    @Test func minilmBeforeByHand() throws {
        let report = Report(ReportInput(model: "all-MiniLM-L6-v2", workload: Scenarios.minilmWorkload, before: minilm))
        #expect(report.layers.map(\.layer) == ["embeddings"] + (0..<6).map { "blocks.\($0)" } + ["head"])
        let block = try #require(report.layers[1].before.subLayers)
        // 3·(2·128·384² + 128·384), 2·128²·384, 5·12·128², 2·128²·384, 2·128·384² + 128·384, 16·128·384
        #expect(block.qkv == 113_393_664 && block.scores == 12_582_912 && block.softmax == 983_040)
        #expect(block.context == 12_582_912 && block.output == 37_797_888 && block.norms == 786_432)
        // up 2·128·384·1536 + 128·1536, GELU 8·128·1536, down 2·128·1536·384 + 128·384
        #expect(block.mlpUp == 151_191_552 && block.mlpActivation == 1_572_864 && block.mlpDown == 151_044_096)
        #expect(block.total == 481_935_360 && report.layers[1].before.flops == 481_935_360)
        // Per block: 4·(384² + 384) + (384·1536 + 1536) + (1536·384 + 384) + 4·384 (two LayerNorms).
        #expect(report.layers[1].before.parameters == 1_774_464)
        #expect(report.layers[1].before.bytes == 4 * 1_774_464)
        // Embeddings: (30522 + 512 + 2)·384 + 2·384; head: pooler 384² + 384.
        #expect(report.layers[0].before.parameters == 11_918_592 && report.layers[7].before.parameters == 147_840)
        #expect(report.totals.before.parameters == 22_713_216)
        #expect(report.totals.before.flops == 442_368 + 6 * 481_935_360 + 295_680)
        // No passes: after is before.
        #expect(report.totals.after == report.totals.before && report.totals.speedup == 1 && report.passes.isEmpty)
    }

    @Test func lowRankUpProjectionByHand() throws {
        let after = Scenarios.map(minilm, "blocks.*.mlp.up") { Scenarios.lowRank($0, rank: 64) }
        let report = Report(ReportInput(model: "m", workload: Scenarios.minilmWorkload, before: minilm,
                                        stages: [Stage(pass: "svd-lowrank{rank=64}", skeleton: after)]))
        let block = try #require(report.layers[1].after.subLayers)
        // 2·n·r·(in + out) + n·out (bias) = 2·128·64·(384 + 1536) + 128·1536
        #expect(block.mlpUp == 2 * 128 * 64 * (384 + 1536) + 128 * 1536)
        #expect(block.mlpUp == 31_653_888)
        #expect(report.layers[1].after.flops == 481_935_360 - 151_191_552 + 31_653_888)
        // Parameters: 64·(384 + 1536) + 1536 instead of 384·1536 + 1536, per block.
        #expect(report.layers[1].before.parameters - report.layers[1].after.parameters == 384 * 1536 - 64 * 1920)
        #expect(report.subLayers.first { $0.subLayer == .mlpUp }?.after == 6 * 31_653_888)
        // FLOPs speedup = FLOPs before / after, to 4 decimals; the headline is the runtime cost's ratio.
        let before = 442_368 + 6 * 481_935_360 + 295_680, afterFLOPs = before - 6 * (151_191_552 - 31_653_888)
        #expect(report.totals.after.flops == afterFLOPs)
        #expect(report.totals.flopsSpeedup == (Double(before) / Double(afterFLOPs) * 10_000).rounded() / 10_000)
        let runtime = (report.totals.before.runtime, report.totals.after.runtime)
        #expect(report.totals.speedup == (Double(runtime.0) / Double(runtime.1) * 10_000).rounded() / 10_000)
    }

    @Test func headPruningShrinksAttentionByHand() throws {
        let after = Scenarios.pruneHeads(minilm, block: 1, keep: [0, 1, 2, 4, 5, 7, 9, 11])
        let report = Report(ReportInput(model: "m", workload: Scenarios.minilmWorkload, before: minilm,
                                        stages: [Stage(pass: "head-prune", skeleton: after)]))
        let row = report.layers[2], block = try #require(row.after.subLayers)
        #expect(row.before.heads == 12 && row.after.heads == 8)
        // d_a = 8·32 = 256: QKV 3·(2·128·384·256 + 128·256), Q·Kᵀ 2·128²·256, softmax 5·8·128², W_O 2·128·256·384 + 128·384
        #expect(block.qkv == 3 * (2 * 128 * 384 * 256 + 128 * 256))
        #expect(block.scores == 2 * 128 * 128 * 256 && block.context == block.scores)
        #expect(block.softmax == 5 * 8 * 128 * 128)
        #expect(block.output == 2 * 128 * 256 * 384 + 128 * 384)
        // Other blocks are unchanged.
        #expect(report.layers[1].after == report.layers[1].before)
    }

    @Test func contributionsSumToTheDifference() {
        let input = Scenarios.minilmPipeline()
        let report = Report(input)
        #expect(report.passes.count == input.stages.count)
        let sum = report.passes.reduce(Report.Measure.zero) { acc, p in
            Report.Measure(flops: acc.flops + p.delta.flops, runtime: acc.runtime + p.delta.runtime,
                           parameters: acc.parameters + p.delta.parameters, bytes: acc.bytes + p.delta.bytes)
        }
        #expect(sum == report.totals.delta)
        #expect(report.totals.delta.flops == report.totals.after.flops - report.totals.before.flops)
        for (i, row) in report.layers.enumerated() {
            let layerSum = report.passes.reduce(0) { $0 + $1.layers[i].delta.flops }
            #expect(report.passes.allSatisfy { $0.layers[i].layer == row.layer })
            #expect(layerSum == row.after.flops - row.before.flops, "\(row.layer)")
            #expect(report.passes.reduce(0) { $0 + $1.layers[i].delta.parameters } == row.after.parameters - row.before.parameters)
            #expect(report.passes.reduce(0) { $0 + $1.layers[i].delta.bytes } == row.after.bytes - row.before.bytes)
        }
        // Each step's per-layer deltas add up to its total.
        for p in report.passes {
            #expect(p.layers.reduce(0) { $0 + $1.delta.flops } == p.delta.flops)
        }
        #expect(report.passes.last?.after == report.totals.after)
    }

    @Test func layersPartitionTheModelAndTheCostModel() {
        let input = Scenarios.minilmPipeline()
        let report = Report(input)
        for (skeleton, side) in [(input.before, \Report.LayerRow.before), (input.after, \Report.LayerRow.after)] {
            let rows = report.layers.map { $0[keyPath: side] }
            #expect(rows.reduce(0) { $0 + $1.flops } == CostModel.flops(skeleton, workload: input.workload).total)
            #expect(rows.reduce(0) { $0 + $1.runtime }
                == CostModel.cost(skeleton, workload: input.workload, pricing: .runtime(input.rates)).total)
            #expect(rows.reduce(0) { $0 + $1.parameters } == skeleton.parameterCount)
            #expect(rows.reduce(0) { $0 + $1.bytes } == skeleton.byteCount)
            let cost = CostModel.flops(skeleton, workload: input.workload)
            for (i, block) in cost.blocks.enumerated() { #expect(rows[i + 1].subLayers?.total == block.total) }
        }
        let subAfter = report.subLayers.reduce(0) { $0 + $1.after }
        #expect(subAfter == report.layers.reduce(0) { $0 + ($1.after.subLayers?.total ?? 0) })
    }

    @Test func batchScalesEveryFLOPCount() {
        let one = Report(ReportInput(model: "m", workload: Workload(batch: 1, sequenceLength: 64), before: minilm))
        let four = Report(ReportInput(model: "m", workload: Workload(batch: 4, sequenceLength: 64), before: minilm))
        for (a, b) in zip(one.layers, four.layers) {
            #expect(4 * a.before.flops == b.before.flops)
            #expect(a.before.subLayers.map { $0.mlpUp * 4 } == b.before.subLayers?.mlpUp)
            #expect(a.before.parameters == b.before.parameters)
        }
    }

    @Test func filesGiveTheCompressionRatio() {
        var input = Scenarios.gpt2Plan()
        input.files = Files(inputBytes: 1000, artifactBytes: 300)
        #expect(Report(input).files?.compressionRatio == 3.3333)
        input.files = Files(inputBytes: 1000)
        #expect(Report(input).files == Report.FileSizes(inputBytes: 1000, artifactBytes: nil, compressionRatio: nil))
        #expect(!Report(input).json().contains("compression_ratio"))
        input.files = nil
        #expect(Report(input).files == nil && !Report(input).json().contains("\"files\""))
    }
}
