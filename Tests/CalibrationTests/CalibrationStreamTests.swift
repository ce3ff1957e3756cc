import Foundation
import Testing
import HuggingFace
import ModelIR
import Kernels
import NumericTolerance
import Runtime
import TensorCore
@testable import Calibration

/// The block-by-block calibration against its oracles: the whole forward pass (`encode` keeps
/// every block's output; a stream stepped through the blocks holds the same bits as the whole
/// pass on one BLAS thread, the stream's own setting, and agrees with it on two threads up to
/// reordered sums: OpenBLAS's Haswell kernels round differently on 1 and 2 threads), a symmetric
/// Gram matrix whose diagonal is the sums of squares, and the same statistics on 1, 2 and 3
/// workers (batches are the reduction unit, not threads).
@Suite struct CalibrationStreamTests {
    static func samples(_ count: Int, seed: UInt64) -> [[Int]] {
        var random = SplitMix64(seed: seed)
        return (0..<count).map { _ in [2] + (0..<Int.random(in: 3...30, using: &random)).map { _ in Int.random(in: 5..<200, using: &random) } + [3] }
    }

    @Test func aStreamHoldsTheBitsOfTheWholeForwardPass() throws {
        let model = try ModelImporter.model(directory: ACCGoldenTests.fixtures + "/tiny-bert").graph
        let samples = Self.samples(21, seed: 3)
        var stream = try CalibrationStream(model, samples: samples, batchSize: 8, workers: 2)
        let whole = PreparedModel(model)
        for (l, block) in model.blocks.enumerated() {
            _ = try stream.measure(block, request: .none)
            for (b, batch) in stream.batches.enumerated() {
                let oneThread = try BLASThreads.withCount(1) { try whole.encode(batch, keepHiddenStates: true).hiddenStates![l + 1] }
                #expect(stream.hidden[b] == oneThread, "block \(l), batch \(b)")
                // Two BLAS threads: measured up to 1.5e-6 apart on OpenBLAS Haswell (values ≲ 3),
                // 0 on SkylakeX; the bound is reordered sums of FFN-width (37) terms, per block.
                let twoThreads = try BLASThreads.withCount(2) { try whole.encode(batch, keepHiddenStates: true).hiddenStates![l + 1] }
                expectClose(stream.hidden[b], twoThreads, .reordered(sumOf: 37 * (l + 1), magnitude: 8), "block \(l), batch \(b), 2 threads")
            }
        }
    }

    @Test func statisticsDoNotDependOnTheWorkerCount() throws {
        let model = try ModelImporter.model(directory: ACCGoldenTests.fixtures + "/tiny-bert").graph
        let samples = Self.samples(37, seed: 5)
        let gram: Set<LayerPath> = ["blocks.0.mlp.down", "blocks.1.attention.o"]
        let one = try ActivationStatistics.measure(model, samples: samples, gram: gram, workers: 1)
        for workers in [2, 3] {
            let other = try ActivationStatistics.measure(model, samples: samples, gram: gram, workers: workers)
            #expect(other.inputs == one.inputs && other.headScores == one.headScores && other.tokens == one.tokens)
        }
        let acc = try ACCMeasurement.measure(model: model, samples: samples, batchSize: 7, workers: 1)
        #expect(try ACCMeasurement.measure(model: model, samples: samples, batchSize: 7, workers: 2) == acc)
        // The whole-model ACC (one thread, the model's own forward pass) gives the same values.
        #expect(try ACCMeasurement.measure(PreparedModel(model), samples: samples, batchSize: 7) == acc)
        for path in gram {
            let stats = try #require(one.inputs[path]), n = stats.sums.count, g = try #require(stats.gram)
            for i in 0..<n {
                #expect(abs(Double(g[i * n + i]) - stats.sumSquares[i]) <= 1e-3 * max(1, stats.sumSquares[i]), "\(path) diagonal \(i)")
                for j in 0..<i { #expect(g[i * n + j] == g[j * n + i]) }
            }
        }
    }

    /// A decoder's ACC block by block (causal scores, the last token protected) equals the ACC of
    /// its whole forward pass (`decode` with an observer), value for value.
    @Test(arguments: ["tiny-gpt2", "tiny-llama", "tiny-mistral"])
    func aDecodersStreamMeasuresTheACCOfItsWholeForwardPass(name: String) throws {
        let model = try ModelImporter.model(directory: ACCGoldenTests.fixtures + "/" + name).graph
        let samples = Self.samples(19, seed: 7).map { $0.map { $0 % model.config.vocabSize } }
        let streamed = try ACCMeasurement.measure(model: model, samples: samples, batchSize: 6, workers: 2)
        #expect(streamed.samples == 19)
        #expect(try ACCMeasurement.measure(PreparedModel(model), samples: samples, batchSize: 6) == streamed)
    }
}
