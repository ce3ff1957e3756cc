import Testing
import Kernels
import TensorCore
@testable import Runtime

/// Decoding f32 weights runs `DenseGEMV` (up to 4 rows). Oracle: the same values held as bf16,
/// run by `HalfWeight`'s GEMV, which adds in the same order: f32 and bf16 forms of one model give
/// the same bits for 1–4 new tokens and the same greedy ids; and 1 and 2 threads the same bits.
@Suite struct DenseGEMVDecodeTests {
    @Test func f32DecodeStepsEqualTheBF16GEMVBits() throws {
        let (half, widened) = try HalfWeightTests.models("tiny-llama", .bf16)
        let (h, w) = (PreparedModel(half), PreparedModel(widened))
        if case .dense = w.layers[0].o.form {} else { Issue.record("the widened model's W_O is not dense f32") }
        for prompt in [[5], [1, 7, 9, 2]] {
            let a = try w.decode(TokenBatch(ids: [prompt])), b = try h.decode(TokenBatch(ids: [prompt]))
            #expect(a.nextTokenLogits == b.nextTokenLogits && a.lastHidden == b.lastHidden, "\(prompt)")
        }
        let prompt = Array(3..<12)
        #expect(try w.generate(prompt: prompt, count: 12) == h.generate(prompt: prompt, count: 12))
    }

    @Test func f32GenerationBitsDoNotDependOnTheThreadCount() throws {
        let model = PreparedModel(try HalfWeightTests.models("tiny-llama", .bf16).widened)
        let prompts = [[3, 9, 4, 1, 6], [7, 7, 2, 5, 8]]
        let one = try BLASThreads.withCount(1) { try model.decode(TokenBatch(ids: [[4], [2, 8, 6]])) }
        let two = try BLASThreads.withCount(2) { try model.decode(TokenBatch(ids: [[4], [2, 8, 6]])) }
        #expect(one.nextTokenLogits == two.nextTokenLogits && one.lastHidden == two.lastHidden)
        #expect(try BLASThreads.withCount(1) { try model.generate(prompts: prompts, count: 6) }
                == BLASThreads.withCount(2) { try model.generate(prompts: prompts, count: 6) })
    }
}
