import Foundation
import Testing
import ModelIR
@testable import Driver

/// `pare eval` on the fixtures: an f16 artifact against its f32 source (oracle: the source
/// itself), and a GPT-2 against itself (perplexities must be equal).
@Suite struct EvalTests {
    let directory = InspectTests.temporaryDirectory("pare-eval")
    var heldOut: String { InspectTests.repository + "/examples/calibration/heldout.txt" }

    @Test func f16ArtifactAgainstItsSource() async throws {
        let path = directory + "/m.pare"
        _ = try await Compile.run(model: InspectTests.fixtures + "/tiny-bert", output: path, options: .init(recipe: "cast{dtype=f16}"))
        let report = try Eval.run(path: path, options: .init(against: InspectTests.fixtures + "/tiny-bert", data: heldOut, samples: 12))
        #expect(report.samples == 12 && report.points.count == 1 && report.points[0].lambda == nil)
        #expect(report.points[0].mean > 0.9999 && report.points[0].mean <= 1.0000001)
        let maxAbs = try #require(report.comparison.hiddenMaxAbs)
        #expect(maxAbs > 0 && maxAbs < 0.05)
        #expect(abs(report.comparison.predictedSpeedup - 1) < 1e-12)
        #expect(throws: DriverError.self) {
            try Eval.run(path: path, options: .init(data: heldOut, samples: 4, lambdas: [0.9]))
        }
    }

    /// An artifact with a profile: the sweep includes the baked λ (its default at load time),
    /// marked exactly once, in the text and as `"baked": true` in the JSON.
    @Test func theBakedLambdaIsMarked() async throws {
        let path = directory + "/e.pare"
        _ = try await Compile.run(model: InspectTests.fixtures + "/tiny-bert", output: path,
                                  options: .init(recipe: "elimination-profile{target-speedup=1.25}"))
        let report = try Eval.run(path: path, options: .init(data: heldOut, samples: 8))
        let baked = report.points.filter(\.baked)
        #expect(baked.count == 1 && baked[0].lambda != nil)
        #expect(report.points.first?.lambda == nil && report.points.first?.baked == false)
        #expect(report.text().components(separatedBy: "← baked λ").count == 2)
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as? [String: Any]
        let points = try #require(json?["points"] as? [[String: Any]])
        #expect(points.filter { $0["baked"] as? Bool == true }.count == 1)
        // Latency is measured at the baked λ against the model in full, beside the prediction for
        // the same texts. Oracle for the FLOPs figure: ACC-SPEC's FLOP functions sample by sample.
        let c = report.comparison
        #expect(c.lambda == baked[0].lambda && c.measuredSpeedup > 0)
        #expect(report.text().contains("at the baked λ") && report.text().contains("measured/predicted"))
        let model = try ModelSource.load(path).model, profile = try #require(model.elimination)
        let lengths = try CalibrationInput.load(.init(path: heldOut, samples: 8, maxLength: 128, seed: 1), config: model.config,
                                                tokenizer: ModelSource.load(path).tokenizer(path: path)).samples.map(\.count)
        var full = 0, eliminated = 0
        for n in lengths {
            let outside = CostModel.flops(model, workload: Workload(batch: 1, sequenceLength: n))
            full += outside.total
            eliminated += outside.embeddings + outside.head
                + CostModel.blockFLOPs(model, counts: profile.keptCounts(tokens: n, lambda: profile.defaultLambda)).reduce(0) { $0 + $1.total }
        }
        #expect(abs(c.predictedFLOPsSpeedup - Double(full) / Double(eliminated)) < 1e-12)
        #expect(c.predictedSpeedup >= 1)
    }

    @Test func gpt2AgainstItselfHasEqualPerplexity() throws {
        let report = try Eval.run(path: InspectTests.fixtures + "/tiny-gpt2", options: .init(data: heldOut, samples: 6, maxLength: 24))
        let p = try #require(report.comparison.perplexity)
        #expect(p == report.comparison.referencePerplexity && p > 1)
        #expect(report.points[0].mean == 1 && report.points[0].meanKL == 0)
    }

    /// Issue 15's acceptance on the tiny Llama (GQA, rotary): whole key/value groups pruned, int8
    /// with dynamic activations, then `pare eval` against the original reports perplexity and
    /// greedy next-token agreement (oracle for agreement 1 and equal perplexity: the model itself).
    @Test func aPrunedInt8LlamaAgainstItsSource() async throws {
        let path = directory + "/llama.pare", source = InspectTests.fixtures + "/tiny-llama"
        _ = try await Compile.run(model: source, output: path, options: .init(recipe: "head-prune{fraction=0.5},int8-quantize"))
        let pruned = try ModelSource.load(path).model
        #expect(pruned.blocks.allSatisfy { $0.attention.keptHeads.count == 2 && $0.attention.keptKVHeads.count == 1 })
        let report = try Eval.run(path: path, options: .init(against: source, data: heldOut, samples: 6, maxLength: 24))
        let perplexity = try #require(report.comparison.perplexity), reference = try #require(report.comparison.referencePerplexity)
        #expect(perplexity > 1 && reference > 1 && perplexity != reference)
        #expect(report.metric == "next-token agreement" && report.points[0].mean > 0 && report.points[0].mean < 1)
        let itself = try Eval.run(path: source, options: .init(against: source, data: heldOut, samples: 6, maxLength: 24))
        #expect(itself.points[0].mean == 1 && itself.comparison.perplexity == itself.comparison.referencePerplexity)
    }
}
