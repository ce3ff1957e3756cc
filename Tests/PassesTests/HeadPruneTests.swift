import Foundation
import Testing
import Calibration
import HuggingFace
import ModelIR
import Runtime
import TensorCore
@testable import Passes

/// Oracle: transformers' `BertModel.prune_heads` on the same tiny BERT and heads
/// (golden/head-prune.json from scripts/fixtures/generate_heads.py), within 1e-4; without bias
/// compensation, which `prune_heads` does not do (HeadPruneCompensationTests covers it).
@Suite struct HeadPruneTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures").path

    struct Golden: Decodable {
        let num_parameters_before: Int
        let num_parameters_after: Int
        let input_ids: [[Int]]
        let last_hidden_state: [[[Float]]]
        let pooler_output: [[Float]]
    }

    func model() throws -> Model { try ModelImporter.model(directory: Self.fixtures + "/tiny-bert").graph }

    static func pass(_ configure: (inout HeadPrune.Options) -> Void) throws -> HeadPrune {
        var options = HeadPrune.Options()
        configure(&options)
        try options.validate()
        return HeadPrune(options: options)
    }

    @Test func explicitHeadsMatchTransformersPruneHeads() async throws {
        let golden = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/golden/head-prune.json")))
        var m = try model()
        let pass = try Self.pass { $0.heads = ["0:1", "0:3", "1:2"]; $0.biasCompensation = false }
        #expect(!pass.needsCalibration)
        var s = m.skeleton
        pass.effect(on: &s)
        let result = try await pass.run(on: &m, context: PassContext())
        #expect(m.skeleton == s && m.verify().isEmpty)
        #expect(result.counters == ["heads-removed": 3])
        #expect(m.blocks[0].attention.keptHeads == [0, 2] && m.blocks[1].attention.keptHeads == [0, 1, 3])
        #expect(m.parameterCount == golden.num_parameters_after)
        let prepared = PreparedModel(m)
        for (b, ids) in golden.input_ids.enumerated() {
            let out = try prepared.encode(TokenBatch(ids: [ids]))
            let diff = zip(out.hidden(sample: 0), golden.last_hidden_state[b].flatMap { $0 }).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }
            #expect(diff <= 1e-4, "sample \(b): max |Δ| \(diff)")
            #expect(zip(out.pooled![0], golden.pooler_output[b]).allSatisfy { abs($0 - $1) <= 1e-4 })
        }
    }

    @Test func flopsAndParametersDropByTheRemovedHeadsShare() async throws {
        let before = try model()
        var m = before
        _ = try await Self.pass { $0.heads = ["1:0"]; $0.biasCompensation = false }.run(on: &m, context: PassContext())
        // One head of d_h = 8 in a d = 32 layer: Q, K, V lose 8 rows and 8 biases each, W_O 8 columns.
        #expect(before.parameterCount - m.parameterCount == 3 * (8 * 32 + 8) + 32 * 8)
        let n = 16, dh = 8, d = 32
        let full = CostModel.flops(before.blocks[1], hiddenSize: d, tokensIn: n, tokensOut: n)
        let pruned = CostModel.flops(m.blocks[1], hiddenSize: d, tokensIn: n, tokensOut: n)
        #expect(full.qkv - pruned.qkv == 3 * (2 * n * d * dh + n * dh))
        #expect(full.output - pruned.output == 2 * n * dh * d)
        #expect(full.scores - pruned.scores == 2 * n * n * dh && full.softmax - pruned.softmax == 5 * n * n)
    }

    @Test func scoredPruningKeepsAHeadPerLayerAndRecordsScores() async throws {
        let samples = [[2, 17, 45, 80, 9, 33, 61, 3], [2, 99, 5, 150, 151, 20, 3]]
        let context = PassContext(calibration: CalibrationSet(samples: samples, source: "t", sha256: "", truncated: 0, available: 2))
        var m = try model()
        let stats = try ActivationStatistics.measure(m, samples: samples)
        let result = try await Self.pass { $0.fraction = 0.5; $0.score = .contribution }.run(on: &m, context: context)
        #expect(result.counters == ["heads-removed": 4, "biases-added": 0])
        #expect(result.diagnostics.map(\.message).allSatisfy { $0.hasPrefix("head scores (contribution) ") })
        for l in 0..<2 {
            let scores = stats.headScores[l]
            let lowest = Set((0..<4).sorted { scores[$0] < scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }.prefix(2))
            #expect(Set(m.blocks[l].attention.keptHeads) == Set(0..<4).subtracting(lowest))
        }
        var all = try model()
        _ = try await Self.pass { $0.globalFraction = 0.99 }.run(on: &all, context: context)
        #expect(all.blocks.allSatisfy { $0.attention.keptHeads.count == 1 })
    }

    @Test func checksAndOptions() throws {
        var s = Skeleton(dense: .miniLM)
        s.blocks[2].attention.v.weight = .lowRank(u: TensorSpec(dtype: .f32, shape: [384, 8]), v: TensorSpec(dtype: .f32, shape: [8, 384]))
        let errors = try Self.pass { $0.heads = ["2:0", "9:1"] }.check(s).filter { $0.severity == .error }.map(\.description)
        #expect(errors == [
            "blocks.2.attention.v: head-prune needs dense attention weights but found low-rank; move head-prune before the pass that made it low-rank",
            "head-prune: head 9:1 does not exist; name heads as layer:head with a head the layer still has",
        ])
        let all = (0..<12).map { "0:\($0)" }
        #expect(try Self.pass { $0.heads = all }.check(Skeleton(dense: .miniLM)).contains { $0.description.hasPrefix("blocks.0.attention: removing 12 heads would leave none") })
        #expect(throws: PassError.self) { try Self.pass { $0.fraction = 0.5; $0.heads = ["0:1"] } }
        #expect(throws: PassError.invalidValue(key: "heads", value: "x", expected: "entries like \"3:7\" (layer:head)")) {
            try Self.pass { $0.heads = ["x"] }
        }
    }
}
