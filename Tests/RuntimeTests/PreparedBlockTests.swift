import Foundation
import Testing
import HuggingFace
import Kernels
import NumericTolerance
import ModelIR
import TensorCore
@testable import Runtime

/// A block run by itself (`PreparedBlock`, what the layer-by-layer compile runs) against its
/// oracle, the whole forward pass: the embeddings stepped through every block alone, then the
/// final norm, hold the bits of `decode`'s (and `encode`'s) last hidden state on one BLAS thread,
/// for every decoder family and the encoders, on a ragged batch.
@Suite struct PreparedBlockTests {
    static let models = ["tiny-gpt2", "tiny-llama", "tiny-mistral", "tiny-qwen2", "tiny-bert", "tiny-t5"]

    @Test(arguments: models)
    func blocksRunAloneHoldTheBitsOfTheWholeForwardPass(name: String) throws {
        let model = try ModelImporter.model(directory: Goldens.fixtures + "/" + name).graph
        var random = SplitMix64(seed: 11)
        // Ragged lengths; 20 tokens cross Mistral's sliding window of 8.
        let batch = TokenBatch(ids: [5, 20, 1, 12].map { n in (0..<n).map { _ in Int(random.next() % UInt64(model.config.vocabSize)) } })
        let whole = PreparedModel(model), shell = PreparedModel.shell(model, embeddings: true)
        try BLASThreads.withCount(1) { () throws(RuntimeError) in
            var x = try shell.embedded(batch)
            for (l, block) in model.blocks.enumerated() {
                PreparedBlock(block, index: l, shell: shell).run(&x, batch: batch)
            }
            if let norm = whole.finalNorm {
                x.withUnsafeMutableBufferPointer { whole.normalize($0.baseAddress!, rows: batch.tokenCount, norm) }
            }
            let expected = model.config.causal ? try whole.decode(batch).lastHidden : try whole.encode(batch).lastHidden
            #expect(x == expected, "\(name): \(maxDifference(x, expected)) apart")
        }
    }
}
