import Testing
import NumericTolerance
import HuggingFace
import Kernels
import ModelIR
import TensorCore
@testable import Runtime

/// bf16/f16 weights run from their 16 bits (`HalfWeight`, `WordTable`). Oracle: the same model
/// with every 16-bit tensor widened to f32 up front (`Tensor.converted(to: .f32)`: exact), run
/// by the f32 path; logits within the goldens' 1e-4, greedy ids equal, and the bits equal on 1
/// and 2 threads.
@Suite struct HalfWeightTests {
    /// The fixture with every float tensor rounded to `dtype`, and the same values held as f32.
    static func models(_ name: String, _ dtype: DType) throws -> (half: Model, widened: Model) {
        let model = try ModelImporter.model(directory: Goldens.fixtures + "/" + name).graph
        let half = model.mapNamed { _, t in t.dtype.isFloatingPoint ? t.converted(to: dtype) : t }
        return (half, half.mapNamed { _, t in t.dtype == dtype ? t.converted(to: .f32) : t })
    }

    @Test(arguments: ["tiny-llama", "tiny-qwen2"], [DType.bf16, .f16])
    func decodeMatchesTheWidenedModel(name: String, dtype: DType) throws {
        let (half, widened) = try Self.models(name, dtype)
        let (h, w) = (PreparedModel(half), PreparedModel(widened))
        if case .half = h.layers[0].o.form {} else { Issue.record("\(name): a \(dtype) weight was widened at preparation") }
        if case .half = h.word.values {} else { Issue.record("\(name): the \(dtype) word table was widened at preparation") }
        // One token (the GEMV), three (GEMV over 3 rows) and a 9-token prompt (the tiled sgemm).
        for prompt in [[5], [1, 7, 9], Array(3..<12)] {
            let a = try h.decode(TokenBatch(ids: [prompt])), b = try w.decode(TokenBatch(ids: [prompt]))
            #expect(maxDifference(a.nextTokenLogits[0], b.nextTokenLogits[0]) <= 1e-4, "\(name) \(dtype) \(prompt): logits")
            #expect(maxDifference(a.lastHidden, b.lastHidden) <= 1e-4, "\(name) \(dtype) \(prompt): hidden states")
        }
        let prompt = Array(3..<12)
        #expect(try h.generate(prompt: prompt, count: 12) == w.generate(prompt: prompt, count: 12), "\(name) \(dtype): greedy ids")
    }

    @Test func bitsDoNotDependOnTheThreadCount() throws {
        let model = PreparedModel(try Self.models("tiny-llama", .bf16).half)
        let one = try BLASThreads.withCount(1) { try model.decode(TokenBatch(ids: [[4], [2, 8, 6]])) }
        let two = try BLASThreads.withCount(2) { try model.decode(TokenBatch(ids: [[4], [2, 8, 6]])) }
        #expect(one.nextTokenLogits == two.nextTokenLogits && one.lastHidden == two.lastHidden)
    }

    /// `generate(prompts:count:)` gives each prompt `generate(prompt:count:)`'s ids, and calls
    /// `onStep` once per new token.
    @Test func batchedGenerationEqualsEachPromptAlone() throws {
        let model = PreparedModel(try Self.models("tiny-llama", .bf16).half)
        let prompts = [[3, 9, 4, 1, 6], [7, 7, 2, 5, 8]]
        var steps: [Int] = []
        let together = try model.generate(prompts: prompts, count: 6) { steps.append($0) }
        #expect(steps == Array(0..<6))
        for (b, prompt) in prompts.enumerated() {
            #expect(together[b] == (try model.generate(prompt: prompt, count: 6)))
        }
    }

    /// Weight bytes per decode step count 2 per bf16 weight, 4 per f32 one.
    @Test func decodeWeightBytesFollowTheForm() throws {
        let (half, widened) = try Self.models("tiny-llama", .bf16)
        #expect(PreparedModel(widened).decodeWeightBytes == 2 * PreparedModel(half).decodeWeightBytes)
    }
}
