import Foundation
import Testing
import NumericTolerance
import HuggingFace
import ModelIR
@testable import Runtime

/// Oracle: hidden states, pooler outputs, logits, attention probabilities and greedy
/// continuations from Hugging Face transformers on the same tokens (padded batches included).
/// Tolerance: max |Δ| ≤ 1e-4 in f32, as the issue requires.
@Suite struct ForwardGoldenTests {
    static func prepared(_ name: String) throws -> PreparedModel {
        PreparedModel(try ModelImporter.model(directory: Goldens.fixtures + "/" + name).graph)
    }

    @Test func tinyBERTPaddedBatchMatchesTransformers() throws {
        let golden = try Goldens.load("tiny-bert-forward", as: Goldens.BERTForward.self)
        let model = try Self.prepared("tiny-bert")
        let batch = TokenBatch(ids: golden.input_ids.unpadded(by: golden.attention_mask),
                               typeIds: golden.token_type_ids.unpadded(by: golden.attention_mask))
        var layer0: [AttentionProbabilities] = []
        let out = try model.encode(batch, keepHiddenStates: true, observe: { if $0.layer == 0 { layer0.append($0) } })
        let states = try #require(out.hiddenStates)
        #expect(states.count == golden.hidden_states.count)
        for (l, expected) in golden.hidden_states.enumerated() {
            for b in 0..<batch.count {
                let want = expected[b].prefix(batch.ids[b].count).flatMap { $0 }
                let diff = maxDifference(out.hidden(sample: b, state: l), want)
                #expect(diff <= 1e-4, "hidden state \(l), sample \(b): max |Δ| = \(diff)")
            }
        }
        let pooled = try #require(out.pooled)
        for b in 0..<batch.count {
            #expect(maxDifference(pooled[b], golden.pooler_output[b]) <= 1e-4)
        }
        // Attention observer: the valid block of HF's probabilities; padded keys have 0 there.
        #expect(layer0.count == batch.count)
        for p in layer0 {
            let n = batch.ids[p.sample].count
            var diff: Float = 0
            for h in 0..<p.heads { for i in 0..<n { for j in 0..<n {
                diff = max(diff, abs(p[head: h, query: i, key: j] - golden.attentions_layer0[p.sample][h][i][j]))
            } } }
            #expect(diff <= 1e-5, "attention probabilities of sample \(p.sample): max |Δ| = \(diff)")
        }
    }

    @Test func tinyBERTClassifierLogits() throws {
        let golden = try Goldens.load("tiny-bert-cls-forward", as: Goldens.BERTClassifierForward.self)
        let model = try Self.prepared("tiny-bert-cls")
        let out = try model.encode(TokenBatch(ids: golden.input_ids.unpadded(by: golden.attention_mask),
                                              typeIds: golden.token_type_ids.unpadded(by: golden.attention_mask)))
        let logits = try #require(out.logits)
        for b in logits.indices { #expect(maxDifference(logits[b], golden.logits[b]) <= 1e-4) }
    }

    @Test func tinyGPT2PrefillLogitsAndGreedyGeneration() throws {
        let golden = try Goldens.load("tiny-gpt2-forward", as: Goldens.GPT2Forward.self)
        let model = try Self.prepared("tiny-gpt2")
        let batch = TokenBatch(ids: zip(golden.input_ids, golden.lengths).map { Array($0.prefix($1)) })
        let out = try model.decode(batch)
        for b in 0..<batch.count {
            let want = golden.last_hidden_state[b].prefix(golden.lengths[b]).flatMap { $0 }
            let diff = maxDifference(out.hidden(sample: b), want)
            #expect(diff <= 1e-4, "GPT-2 hidden, sample \(b): max |Δ| = \(diff)")
            #expect(maxDifference(out.nextTokenLogits[b], golden.logits_at_last_valid_position[b]) <= 1e-4)
        }
        #expect(try model.generate(prompt: golden.generate_prompt, count: golden.generated_new_ids.count)
                == golden.generated_new_ids)
    }

    @Test(.enabled(if: Goldens.miniLMAvailable))
    func miniLMEmbeddingsMatchTransformers() throws {
        let golden = try Goldens.load("minilm", as: Goldens.MiniLM.self)
        let model = PreparedModel(try ModelImporter.model(directory: Goldens.miniLM).graph)
        let batch = TokenBatch(ids: zip(golden.input_ids, golden.lengths).map { Array($0.prefix($1)) })
        let out = try model.encode(batch)
        for b in 0..<2 {
            let want = golden.last_hidden_state_first2[b].prefix(golden.lengths[b]).flatMap { $0 }
            let diff = maxDifference(out.hidden(sample: b), want)
            #expect(diff <= 1e-4, "MiniLM hidden, sample \(b): max |Δ| = \(diff)")
        }
        for (b, e) in out.sentenceEmbeddings().enumerated() {
            let cosine = zip(e, golden.embeddings[b]).reduce(0) { $0 + Double($1.0) * Double($1.1) }
                / (golden.embeddings[b].reduce(0) { $0 + Double($1) * Double($1) }).squareRoot()
            #expect(cosine >= 0.99999, "sentence \(b): cosine \(cosine)")
        }
    }

    @Test func badInputsAreErrorsNotCrashes() throws {
        let model = try Self.prepared("tiny-bert")
        #expect(throws: RuntimeError.emptyBatch) { try model.encode(TokenBatch(ids: [])) }
        #expect(throws: RuntimeError.emptySequence(sample: 1)) { try model.encode(TokenBatch(ids: [[2, 3], []])) }
        #expect(throws: RuntimeError.tokenOutOfVocabulary(sample: 0, position: 1, id: 200, vocabularySize: 200)) {
            try model.encode(TokenBatch(ids: [[2, 200]]))
        }
        #expect(throws: RuntimeError.sequenceTooLong(sample: 0, length: 65, maxPositions: 64)) {
            try model.encode(TokenBatch(ids: [[Int](repeating: 5, count: 65)]))
        }
        #expect(throws: RuntimeError.tokenTypeOutOfRange(sample: 0, position: 0, typeId: 2, typeVocabularySize: 2)) {
            try model.encode(TokenBatch(ids: [[5]], typeIds: [[2]]))
        }
    }
}
