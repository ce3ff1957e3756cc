import Foundation
import Testing
import ModelIR
import Runtime
import Kernels
@testable import Driver

/// `elimination-profile{schedule=search}` on the tiny BERT fixture. Oracles: the runtime cost
/// model (the searched λ meets the target), the fidelity recomputed here from the embeddings of
/// the full and the eliminating model on the calibration samples (the search must do at least
/// as well there as ACC's schedule at the same target, which it could have chosen), and the
/// same bytes on one and two threads.
@Suite struct ScheduleSearchTests {
    let directory = InspectTests.temporaryDirectory("pare-schedule")
    let bert = InspectTests.fixtures + "/tiny-bert"
    let calibration = CalibrationOptions(path: InspectTests.repository + "/examples/calibration/default.txt", samples: 8, maxLength: 32)

    func compile(_ recipe: String, _ name: String, threads: Int = 0) async throws -> EliminationProfile {
        var options = Compile.Options(recipe: recipe, calibration: calibration)
        options.threads = threads
        let result = try await Compile.run(model: bert, output: directory + "/" + name, options: options)
        return try #require(result.manifest.skeleton.elimination)
    }

    /// Mean cosine of sentence embeddings, eliminating at the profile's default λ, against the full model.
    func cosine(_ profile: EliminationProfile) throws -> Double {
        let source = try ModelSource.load(bert)
        let samples = try CalibrationInput.load(calibration, config: source.model.config, tokenizer: source.tokenizer(path: bert)).samples
        let model = PreparedModel(source.model), batch = TokenBatch(ids: samples)
        return try BLASThreads.withCount(1) { () throws -> Double in
            let full = try model.encode(batch).sentenceEmbeddings()
            let eliminated = try model.encode(batch, elimination: Elimination(profile: profile, lambda: profile.defaultLambda)).sentenceEmbeddings()
            return zip(full, eliminated).reduce(0) { $0 + EncoderOutput.cosine($1.0, $1.1) } / Double(samples.count)
        }
    }

    @Test func theSearchMeetsTheTargetAtLeastAsFaithfullyAsACC() async throws {
        let searched = try await compile("elimination-profile{fit=raw,target-speedup=1.5,schedule=search}", "s.pare")
        let acc = try await compile("elimination-profile{fit=raw,target-speedup=1.5}", "a.pare")
        let skeleton = try ModelSource.load(bert).model.skeleton
        let speedup = { (p: EliminationProfile, lambda: Double) in
            CostModel.eliminationSpeedup(skeleton, profile: p, workload: Workload(), lambda: lambda, pricing: .reference)
        }
        #expect(speedup(searched, searched.defaultLambda) >= 1.5)
        #expect(searched.ep != acc.ep && searched.defaultLambda >= 1)
        #expect(try cosine(searched) >= cosine(acc))
        // Still a λ-indexed family: counts never fall as λ grows, and the identity λ keeps all.
        let lambdas = stride(from: 0.5, through: searched.identityLambda, by: 0.05).map { $0 } + [searched.identityLambda]
        let counts = lambdas.map { searched.keptCounts(tokens: 128, lambda: $0) }
        for (a, b) in zip(counts, counts.dropFirst()) { #expect(zip(a, b).allSatisfy { $0 <= $1 }) }
        #expect(counts.last == [Int](repeating: 128, count: searched.layerCount + 1))
    }

    @Test func theSearchIsTheSameOnAnyThreadCount() async throws {
        let recipe = "elimination-profile{fit=raw,target-speedup=1.3,schedule=search}"
        _ = try await compile(recipe, "one.pare", threads: 1)
        _ = try await compile(recipe, "two.pare", threads: 2)
        #expect(FileManager.default.contents(atPath: directory + "/one.pare") == FileManager.default.contents(atPath: directory + "/two.pare"))
    }

    @Test func theSearchNeedsABudget() async throws {
        await #expect(throws: (any Error).self) { _ = try await compile("elimination-profile{schedule=search}", "x.pare") }
    }
}
