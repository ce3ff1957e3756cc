import Foundation
import Testing
import ModelIR
import Runtime
@testable import Driver

/// `pare run` on an encoder-decoder (the tiny Flan-T5 fixture), from the directory and from a
/// compiled artifact. Oracle: transformers' ids, top-5 first-step tokens and greedy tokens
/// (golden/tiny-flan-t5-forward.json, scripts/fixtures/generate_t5.py).
@Suite struct T5RunTests {
    struct Golden: Decodable {
        let input_ids: [[Int]]
        let top5: [Top5]
        let generated: [[Int]]
        struct Top5: Decodable { let ids: [Int] }
    }

    @Test func runGeneratesWhatTransformersDoes() async throws {
        let source = InspectTests.fixtures + "/tiny-flan-t5"
        let golden = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: URL(fileURLWithPath: InspectTests.fixtures + "/golden/tiny-flan-t5-forward.json")))
        let text = "translate English to German: The house is wonderful."
        let path = NSTemporaryDirectory() + "pare-t5-\(UUID().uuidString).pare"
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try await Compile.run(model: source, output: path, options: .init(recipe: "cast{dtype=f32}"))
        for model in [source, path] {
            let input = try #require(try Run.run(path: model, options: .init(texts: [text], newTokens: 12)).inputs.first)
            #expect(input.ids == golden.input_ids[1])
            #expect(input.next?.map(\.id) == golden.top5[1].ids)
            let continuation = try #require(input.continuation)
            #expect(!continuation.isEmpty && continuation.count <= 12)
            // Stopping at </s> is the only difference from the golden, which never chooses it.
            let end = continuation.firstIndex(of: 1) ?? continuation.count
            #expect(Array(continuation[..<end]) == Array(golden.generated[1].prefix(end)))
        }
    }

    /// Issue 16's recipe: elimination on the encoder and int8, then `pare eval` against the
    /// checkpoint reports first-step agreement and KL per λ; against itself, agreement 1 and KL 0.
    @Test func eliminationOnTheEncoderThenEval() async throws {
        let source = InspectTests.fixtures + "/tiny-flan-t5"
        let path = NSTemporaryDirectory() + "pare-t5e-\(UUID().uuidString).pare"
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try await Compile.run(model: source, output: path, options: .init(recipe: "elimination-profile{target-speedup=1.5},int8-quantize"))
        let heldOut = InspectTests.repository + "/examples/calibration/heldout.txt"
        let report = try Eval.run(path: path, options: .init(against: source, data: heldOut, samples: 6))
        #expect(report.metric == "first decoder step agreement")
        let baked = try #require(report.points.first { $0.baked })
        #expect(baked.meanTokensLeft < report.points[0].meanTokensLeft && baked.meanKL != nil)
        let itself = try Eval.run(path: source, options: .init(data: heldOut, samples: 6))
        #expect(itself.points[0].mean == 1 && itself.points[0].meanKL == 0)
    }

    /// Merging at the identity λ keeps every encoder token: the decoder generates what the full model does.
    @Test func identityLambdaGeneratesTheFullModelsTokens() throws {
        let path = InspectTests.fixtures + "/tiny-t5"
        let full = try Run.run(path: path, options: .init(texts: ["It rained all day in Zurich."], newTokens: 10)).inputs[0]
        let model = try ModelSource.load(path).model
        let profile = EliminationProfile(acc: [0.9, 0.5], fit: .raw, protection: .first)
        let prepared = PreparedModel(model)
        let identity = Elimination(profile: profile, lambda: profile.identityLambda, mode: .merge)
        let generated = try prepared.generate(input: full.ids, count: 10, elimination: identity)
        #expect(Array(generated.prefix(full.continuation!.count)) == full.continuation!)
    }
}
