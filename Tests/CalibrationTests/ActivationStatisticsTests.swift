import Foundation
import Testing
import HuggingFace
import ModelIR
import Runtime
@testable import Calibration

/// Oracle: the embedding output that transformers returns (hidden_states[0] of the committed
/// tiny-BERT golden) is exactly the input of block 0's Q, K and V; sums of squares and maxima are
/// recomputed from it in Double.
@Suite struct ActivationStatisticsTests {
    struct Forward: Decodable {
        let input_ids: [[Int]]
        let attention_mask: [[Int]]
        let token_type_ids: [[Int]]
        let hidden_states: [[[[Float]]]]
    }

    @Test func inputStatisticsMatchTheHiddenStatesOfTransformers() throws {
        let golden = try JSONDecoder().decode(Forward.self, from: Data(contentsOf: URL(fileURLWithPath: ACCGoldenTests.fixtures + "/golden/tiny-bert-forward.json")))
        let lengths = golden.attention_mask.map { $0.reduce(0, +) }
        // No token types in the statistics run: use samples whose types are all zero.
        let plain = (0..<lengths.count).filter { golden.token_type_ids[$0].allSatisfy { $0 == 0 } }
        let samples = plain.map { Array(golden.input_ids[$0].prefix(lengths[$0])) }
        let model = try ModelImporter.model(directory: ACCGoldenTests.fixtures + "/tiny-bert").graph
        let stats = try ActivationStatistics.measure(model, samples: samples, gram: ["blocks.0.attention.q"])
        let q = try #require(stats.inputs["blocks.0.attention.q"])
        #expect(stats.inputs["blocks.0.attention.k"] == q && q.rows == samples.reduce(0) { $0 + $1.count })
        let rows = plain.flatMap { golden.hidden_states[0][$0].prefix(lengths[$0]) }
        for j in 0..<32 {
            let want = rows.reduce(0.0) { $0 + Double($1[j]) * Double($1[j]) }
            #expect(abs(q.sumSquares[j] - want) <= 1e-4 * max(1, want), "feature \(j)")
            let mean = rows.reduce(0.0) { $0 + Double($1[j]) } / Double(rows.count)
            #expect(abs(q.means[j] - mean) <= 1e-5 * max(1, abs(mean)), "mean of feature \(j)")
            #expect(abs(Double(q.maxAbs[j]) - rows.map { Double(abs($0[j])) }.max()!) <= 1e-4)
        }
        // Gram diagonal = sum of squares.
        let gram = try #require(q.gram)
        for j in 0..<32 { #expect(abs(Double(gram[j * 32 + j]) - q.sumSquares[j]) <= 1e-3 * max(1, q.sumSquares[j])) }
        #expect(stats.inputs["blocks.1.mlp.down"]?.sumSquares.count == 37)
        #expect(stats.headScores.count == 2 && stats.headScores.allSatisfy { $0.count == 4 && $0.allSatisfy { $0 > 0 } })
    }
}
