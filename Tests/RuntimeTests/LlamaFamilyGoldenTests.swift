import Foundation
import Testing
import NumericTolerance
import HuggingFace
import ModelIR
@testable import Runtime

/// Oracle: transformers 4.57 (eager attention, f32) on the committed tiny Llama (GQA, llama3
/// rope scaling), Mistral (MQA, sliding window 8) and Qwen2 (q/k/v biases, tied head)
/// checkpoints, from scripts/fixtures/generate_llama_family.py: final hidden states, next-token
/// logits and top-5 probabilities within 1e-4, the same 20 greedy tokens, and a ragged batch
/// equal to each prompt run alone.
@Suite struct LlamaFamilyGoldenTests {
    struct Forward: Decodable {
        let prompts: [[Int]]
        /// [prompt][position][d]
        let last_hidden_state: [[[Float]]]
        let next_logits: [[Float]]
        let top5: [Top5]
        let generated: [Int]
        struct Top5: Decodable {
            let ids: [Int]
            let probabilities: [Float]
        }
    }

    static let fixtures = ["tiny-llama", "tiny-mistral", "tiny-qwen2"]

    static func load(_ name: String) throws -> (PreparedModel, Forward) {
        let model = try ModelImporter.model(directory: Goldens.fixtures + "/" + name).graph
        return (PreparedModel(model), try Goldens.load(name + "-forward", as: Forward.self))
    }

    @Test(arguments: fixtures)
    func eachPromptAloneMatchesTransformers(name: String) throws {
        let (model, golden) = try Self.load(name)
        for (p, prompt) in golden.prompts.enumerated() {
            let out = try model.decode(TokenBatch(ids: [prompt]))
            let hidden = maxDifference(out.hidden(sample: 0), golden.last_hidden_state[p].flatMap { $0 })
            #expect(hidden <= 1e-4, "\(name) prompt \(p): hidden states differ by \(hidden)")
            let logits = out.nextTokenLogits[0]
            #expect(maxDifference(logits, golden.next_logits[p]) <= 1e-4, "\(name) prompt \(p): next-token logits")
            // Top 5 of softmax(logits).
            let top = logits.max()!
            let exps = logits.map { Double(exp($0 - top)) }, total = exps.reduce(0, +)
            let order = logits.indices.sorted { logits[$0] > logits[$1] || (logits[$0] == logits[$1] && $0 < $1) }
            #expect(Array(order.prefix(5)) == golden.top5[p].ids, "\(name) prompt \(p): top-5 ids")
            let probabilities = golden.top5[p].ids.map { Float(exps[$0] / total) }
            #expect(maxDifference(probabilities, golden.top5[p].probabilities) <= 1e-4, "\(name) prompt \(p): top-5 probabilities")
        }
    }

    @Test(arguments: fixtures)
    func greedyGenerationMatchesTransformers(name: String) throws {
        let (model, golden) = try Self.load(name)
        #expect(try model.generate(prompt: golden.prompts[0], count: 20) == golden.generated)
    }

    /// Ragged prompts packed into one batch give each prompt's own results (rotary positions,
    /// the sliding window and the key/value heads are per sample).
    @Test(arguments: fixtures)
    func aRaggedBatchEqualsEachPromptAlone(name: String) throws {
        let (model, golden) = try Self.load(name)
        let batch = try model.decode(TokenBatch(ids: golden.prompts))
        for (p, prompt) in golden.prompts.enumerated() {
            let alone = try model.decode(TokenBatch(ids: [prompt]))
            #expect(maxDifference(batch.hidden(sample: p), alone.hidden(sample: 0)) <= 1e-5, "\(name) prompt \(p)")
            #expect(maxDifference(batch.nextTokenLogits[p], alone.nextTokenLogits[0]) <= 1e-5, "\(name) prompt \(p)")
        }
    }

    /// The sliding window matters for the 41-token prompt: without it Mistral's output differs.
    @Test func mistralsSlidingWindowChangesTheLongPrompt() throws {
        var model = try ModelImporter.model(directory: Goldens.fixtures + "/tiny-mistral").graph
        #expect(model.config.slidingWindow == 8)
        let golden = try Goldens.load("tiny-mistral-forward", as: Forward.self)
        model.config.slidingWindow = nil
        let unwindowed = try PreparedModel(model).decode(TokenBatch(ids: [golden.prompts[0]]))
        #expect(maxDifference(unwindowed.nextTokenLogits[0], golden.next_logits[0]) > 1e-2)
    }
}
