import Foundation
import Testing
import NumericTolerance
import HuggingFace
import ModelIR
@testable import Runtime

/// Oracle: transformers 4.57 (eager attention, f32) on the committed tiny T5 (v1.0: relu, tied
/// head scaled by d^−½) and Flan-T5-style (gated-gelu, untied) checkpoints, from
/// scripts/fixtures/generate_t5.py: encoder output, the decoder's first-step logits and top-5
/// within 1e-4, and the same 20 greedy tokens (end of sequence not chosen, as min_new_tokens).
@Suite struct T5GoldenTests {
    struct Forward: Decodable {
        let input_ids: [[Int]]
        /// [input][position][d]
        let encoder_last_hidden_state: [[[Float]]]
        let first_logits: [[Float]]
        let top5: [Top5]
        let generated: [[Int]]
        struct Top5: Decodable {
            let ids: [Int]
            let probabilities: [Float]
        }
    }

    static let fixtures = ["tiny-t5", "tiny-flan-t5"]

    static func load(_ name: String) throws -> (PreparedModel, Forward) {
        let model = try ModelImporter.model(directory: Goldens.fixtures + "/" + name).graph
        return (PreparedModel(model), try Goldens.load(name + "-forward", as: Forward.self))
    }

    @Test(arguments: fixtures)
    func encoderOutputMatchesTransformers(name: String) throws {
        let (model, golden) = try Self.load(name)
        let batch = try model.encode(TokenBatch(ids: golden.input_ids))
        for (i, want) in golden.encoder_last_hidden_state.enumerated() {
            let diff = maxDifference(batch.hidden(sample: i), want.flatMap { $0 })
            #expect(diff <= 1e-4, "\(name) input \(i): encoder output differs by \(diff)")
        }
    }

    @Test(arguments: fixtures)
    func firstStepLogitsAndTop5MatchTransformers(name: String) throws {
        let (model, golden) = try Self.load(name)
        for (i, input) in golden.input_ids.enumerated() {
            let logits = try model.firstStepLogits(input: input)
            #expect(maxDifference(logits, golden.first_logits[i]) <= 1e-4, "\(name) input \(i): first-step logits")
            let top = logits.max()!
            let exps = logits.map { Double(exp($0 - top)) }, total = exps.reduce(0, +)
            let order = logits.indices.sorted { logits[$0] > logits[$1] || (logits[$0] == logits[$1] && $0 < $1) }
            #expect(Array(order.prefix(5)) == golden.top5[i].ids, "\(name) input \(i): top-5 ids")
            #expect(maxDifference(golden.top5[i].ids.map { Float(exps[$0] / total) }, golden.top5[i].probabilities) <= 1e-4)
        }
    }

    @Test(arguments: fixtures)
    func greedyGenerationMatchesTransformers(name: String) throws {
        let (model, golden) = try Self.load(name)
        for (i, input) in golden.input_ids.enumerated() {
            #expect(try model.generate(input: input, count: 20, avoiding: 1) == golden.generated[i], "\(name) input \(i)")
        }
    }

    /// Oracle: transformers' `T5Attention._relative_position_bucket` for 8 buckets, max distance
    /// 16, relative positions −5…5 (bidirectional) and −20…1 (unidirectional), printed by torch.
    @Test func relativeBucketsAsTransformers() {
        let rp = RelativePositions(buckets: 8, maxDistance: 16)
        #expect((-5...5).map { rp.bucket(query: 0, key: $0, bidirectional: true) } == [2, 2, 2, 2, 1, 0, 5, 6, 6, 6, 6])
        #expect((-20...1).map { rp.bucket(query: 0, key: $0, bidirectional: false) }
                == [7, 7, 7, 7, 7, 7, 7, 7, 7, 6, 6, 6, 6, 5, 5, 4, 4, 3, 2, 1, 0, 0])
    }
}
