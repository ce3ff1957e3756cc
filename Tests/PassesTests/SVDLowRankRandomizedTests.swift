import Foundation
import Testing
import Calibration
import Kernels
import ModelIR
import TensorCore
@testable import Passes

/// `method: randomized`. Oracles: a weight rebuilt with known singular values (so the
/// Eckart–Young bound is exact, in Double), the exact method on the same weight, and `effect`.
@Suite struct SVDLowRankRandomizedTests {
    let fixture = SVDLowRankTests()

    static func randomized(rank: Int? = nil, rankRatio: Double? = nil, select: LayerGlob = "blocks.*.mlp.*") -> SVDLowRank.Options {
        var options = SVDLowRank.Options()
        options.method = .randomized
        options.rank = rank
        options.rankRatio = rankRatio
        options.select = select
        options.force = true // the fixture's 37 × 32 weights are too small for any rank to pay on the runtime
        return options
    }

    /// tiny-bert with blocks.0.mlp.up [37, 32] replaced by U·diag(σ)·Vᵀ, σᵢ = e^(−i/4), U and V
    /// the singular vectors of the original weight.
    func decayingModel() throws -> (Model, sigma: [Double]) {
        var m = try fixture.model()
        let linear = m.linear(at: "blocks.0.mlp.up")!
        let out = linear.outFeatures, inF = linear.inFeatures, k = min(out, inF)
        let svd = try SVD(DenseWeight.floats(linear), rows: out, columns: inF)
        let sigma = (0..<k).map { exp(-Double($0) / 4) }
        var scaledU = svd.u
        for o in 0..<out { for i in 0..<k { scaledU[o * k + i] *= Float(sigma[i]) } }
        var replaced = linear
        replaced.weight = .dense(Tensor(GEMM.multiply(scaledU, svd.vt, m: out, n: inF, k: k), shape: [out, inF], dtype: .f32))
        _ = m.setLinear(replaced, at: "blocks.0.mlp.up")
        return (m, sigma)
    }

    @Test(arguments: [4, 8])
    func errorIsWithinOnePercentOfEckartYoung(rank: Int) async throws {
        let (original, sigma) = try decayingModel()
        var m = original
        var options = Self.randomized(rank: rank, select: "blocks.0.mlp.up")
        options.force = true
        let result = try await fixture.run(options, on: &m, context: PassContext(seed: 3))
        #expect(result.counters["linears-factored"] == 1)
        let w = DenseWeight.floats(original.linear(at: "blocks.0.mlp.up")!), uv = DenseWeight.floats(m.linear(at: "blocks.0.mlp.up")!)
        let error = zip(w, uv).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }.squareRoot()
        let bound = sigma.dropFirst(rank).reduce(0) { $0 + $1 * $1 }.squareRoot()
        #expect(error <= 1.01 * bound && error >= 0.999 * bound, "rank \(rank): error \(error), bound \(bound)")
    }

    @Test func theSameSeedGivesTheSameBytes() async throws {
        func factors(seed: UInt64) async throws -> [[UInt8]] {
            var m = try fixture.model()
            _ = try await fixture.run(Self.randomized(rankRatio: 0.25), on: &m, context: PassContext(seed: seed))
            return m.linears.flatMap { $0.linear.weight.parts.map { $0.tensor.withUnsafeBytes { [UInt8]($0) } } }
        }
        let one = try await factors(seed: 7)
        #expect(try await factors(seed: 7) == one)
        #expect(try await factors(seed: 8) != one)
    }

    @Test func effectAgreesWithRun() async throws {
        var m = try fixture.model()
        let pass = SVDLowRank(options: Self.randomized(rankRatio: 0.25))
        var s = m.skeleton
        pass.effect(on: &s)
        let result = try await pass.run(on: &m, context: PassContext(seed: 1))
        #expect(m.skeleton == s)
        #expect(result.counters["linears-factored"] == 4)
        #expect(m.verify().isEmpty)
    }

    /// Activation-aware factorizes W·S the same way; the result stays close to the exact one.
    @Test func activationAwareWorksWithTheRandomizedSVD() async throws {
        let errors = try await SVDLowRankTests.outputErrors(.randomized)
        #expect(errors.aware < errors.plain)
        #expect(errors.aware <= 1.01 * errors.awareExact, "randomized \(errors.aware), exact \(errors.awareExact)")
    }

    @Test func optionsAreValidated() throws {
        var energy = Self.randomized()
        energy.energy = 0.9
        #expect(throws: PassError.invalidValue(
            key: "method", value: "randomized with energy=0.9",
            expected: "rank or rank-ratio with it (the energy rule needs every singular value; a randomized SVD finds only the leading rank + oversampling), or method=exact")) {
            try energy.validate()
        }
        #expect(throws: PassError.invalidOption(
            step: 0, pass: "svd-lowrank", key: "method", value: "randomized with the default energy rule",
            expected: "rank or rank-ratio with it (the energy rule needs every singular value; a randomized SVD finds only the leading rank + oversampling), or method=exact")) {
            try Pipeline(recipe: RecipeText.parse("svd-lowrank{method=randomized}"))
        }
        #expect(throws: PassError.invalidOption(step: 0, pass: "svd-lowrank", key: "oversampling", value: "-1", expected: "an integer ≥ 0")) {
            try Pipeline(recipe: RecipeText.parse("svd-lowrank{method=randomized,rank=8,oversampling=-1}"))
        }
        for q in [-1, 11] {
            #expect(throws: PassError.invalidOption(step: 0, pass: "svd-lowrank", key: "power-iterations", value: "\(q)", expected: "an integer from 0 to 10")) {
                try Pipeline(recipe: RecipeText.parse("svd-lowrank{method=randomized,rank-ratio=0.5,power-iterations=\(q)}"))
            }
        }
        #expect(throws: PassError.wrongType(step: 0, pass: "svd-lowrank", key: "method", expected: "one of exact, randomized")) {
            try Pipeline(recipe: RecipeText.parse("svd-lowrank{method=fast,rank=8}"))
        }
        for text in ["svd-lowrank{method=randomized,rank=8,oversampling=0,power-iterations=0}",
                     "svd-lowrank{method=randomized,rank-ratio=0.5,power-iterations=10}", "svd-lowrank{energy=0.9}"] {
            #expect(throws: Never.self) { try Pipeline(recipe: RecipeText.parse(text)) }
        }
        #expect(SVDLowRank.defaultStep.options["method"] == .string("exact"))
        #expect(SVDLowRank.defaultStep.options["oversampling"] == .int(10) && SVDLowRank.defaultStep.options["power-iterations"] == .int(2))
    }

    /// A linear's test matrix depends on the seed and its own path only.
    @Test func seedsDifferPerLinearAndPerPipelineSeed() {
        #expect(SVDLowRank.seed(0, "blocks.0.mlp.up") != SVDLowRank.seed(0, "blocks.0.mlp.down"))
        #expect(SVDLowRank.seed(0, "blocks.0.mlp.up") != SVDLowRank.seed(1, "blocks.0.mlp.up"))
        #expect(SVDLowRank.seed(5, "blocks.0.mlp.up") == SVDLowRank.seed(5, "blocks.0.mlp.up"))
    }
}
