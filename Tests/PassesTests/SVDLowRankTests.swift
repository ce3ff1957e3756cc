import Foundation
import Testing
import Calibration
import HuggingFace
import ModelIR
import Runtime
import TensorCore
@testable import Passes

/// Oracles: numpy's float64 singular values of the same weights (golden/svd-singular-values.json,
/// scripts/fixtures/generate_svd.py) for the Eckart–Young bound, and the unfactorized model.
@Suite struct SVDLowRankTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures").path

    struct Golden: Decodable { let singular_values: [String: [Double]] }

    func model() throws -> Model { try ModelImporter.model(directory: Self.fixtures + "/tiny-bert").graph }

    func run(_ options: SVDLowRank.Options, on m: inout Model, context: PassContext = PassContext()) async throws -> PassResult {
        try options.validate()
        return try await SVDLowRank(options: options).run(on: &m, context: context)
    }

    /// ‖A − B‖_F / ‖A‖_F in Double.
    static func relativeError(_ a: [Float], _ b: [Float]) -> Double {
        let e = zip(a, b).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }
        return (e / a.reduce(0.0) { $0 + Double($1) * Double($1) }).squareRoot()
    }

    @Test func fullRankReconstructs() async throws {
        let original = try model()
        var m = original
        var options = SVDLowRank.Options()
        options.select = "blocks.0.mlp.up"
        options.rank = 32
        options.force = true
        _ = try await run(options, on: &m)
        let w = DenseWeight.floats(original.linear(at: "blocks.0.mlp.up")!)
        let uv = DenseWeight.floats(m.linear(at: "blocks.0.mlp.up")!)
        #expect(Self.relativeError(w, uv) < 1e-5)
        #expect(m.verify().isEmpty)
    }

    @Test(arguments: [4, 8, 16])
    func truncatedErrorIsTheEckartYoungBound(rank: Int) async throws {
        let golden = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/golden/svd-singular-values.json")))
        for (path, name) in [("blocks.0.mlp.up", "encoder.layer.0.intermediate.dense.weight"),
                             ("blocks.1.mlp.down", "encoder.layer.1.output.dense.weight")] {
            let original = try model()
            var m = original
            var options = SVDLowRank.Options()
            options.select = LayerGlob(path)
            options.rank = rank
            options.force = true
            _ = try await run(options, on: &m)
            let w = DenseWeight.floats(original.linear(at: LayerPath(path))!), uv = DenseWeight.floats(m.linear(at: LayerPath(path))!)
            let error = zip(w, uv).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }.squareRoot()
            let bound = golden.singular_values[name]!.dropFirst(rank).reduce(0.0) { $0 + $1 * $1 }.squareRoot()
            #expect(abs(error - bound) <= 1e-4 * bound, "\(path) rank \(rank): error \(error), bound \(bound)")
        }
    }

    @Test func energyPicksTheSmallestSufficientRank() {
        #expect(SVDLowRank.energyRank([3, 2, 1], energy: 0.9) == 2)   // 9+4 = 13 ≥ 0.9·14 = 12.6
        #expect(SVDLowRank.energyRank([3, 2, 1], energy: 0.5) == 1)
        #expect(SVDLowRank.energyRank([3, 2, 1], energy: 1) == 3)
    }

    @Test func effectAgreesWithRunAndSlowRanksStayDense() async throws {
        var m = try model()
        var options = SVDLowRank.Options()
        options.rankRatio = 0.25
        options.force = true
        var s = m.skeleton
        SVDLowRank(options: options).effect(on: &s)
        let result = try await run(options, on: &m)
        #expect(m.skeleton == s)
        #expect(result.counters["linears-factored"] == 4)
        // Unforced, no rank of a 37×32 weight runs faster than the dense GEMM (break-even below
        // rank 1: 37·32/69 − r½ < 1): check refuses, and a run without check leaves them dense.
        var n = try model()
        options.force = false
        let diagnostics = SVDLowRank(options: options).check(n.skeleton)
        #expect(diagnostics.contains { $0.severity == .error && $0.location == "blocks.0.mlp.up" && $0.hint.contains("force=true") })
        var unchanged = n.skeleton
        SVDLowRank(options: options).effect(on: &unchanged)
        #expect(unchanged == n.skeleton)
        let kept = try await run(options, on: &n)
        #expect(kept.counters["linears-factored"] == 0 && kept.counters["linears-left-dense"] == 4)
    }

    /// On MiniLM's FFN down (1536 → 384) the break-even rank is ⌈1536·384/1920 − r½⌉ = 288 at
    /// r½ = 20: rank 287 is predicted faster than the dense GEMM, 288 (3/4 of 384) is refused.
    @Test func checkRefusesARankPredictedSlowerThanDense() {
        let s = Skeleton(dense: .miniLM)
        var options = SVDLowRank.Options()
        options.select = "blocks.0.mlp.down"
        #expect(LowRankPricing.breakEvenRank(inFeatures: 1536, outFeatures: 384, tokens: 128, rates: .reference) == 288)
        options.rank = 287
        #expect(SVDLowRank(options: options).check(s).isEmpty)
        options.rank = 288
        let refused = SVDLowRank(options: options).check(s)
        #expect(refused.count == 1)
        #expect(refused.first?.severity == .error)
        #expect(refused.first?.message.contains("rank 288 saves 6% of the FLOPs") == true)
        #expect(refused.first?.hint == "choose a rank below 288, or pass force=true to factor anyway")
        options.force = true
        #expect(SVDLowRank(options: options).check(s).isEmpty)
    }

    @Test func checkRejectsANonDenseWeightWithAFix() {
        var s = Skeleton(dense: .miniLM)
        s.blocks[0].mlp.up.weight = .int8(values: TensorSpec(dtype: .i8, shape: [1536, 384]), scales: TensorSpec(dtype: .f32, shape: [1536]))
        var options = SVDLowRank.Options()
        options.rank = 64
        let errors = SVDLowRank(options: options).check(s).filter { $0.severity == .error }
        #expect(errors.map(\.description) == [
            "blocks.0.mlp.up: svd-lowrank needs a dense weight but found int8; move int8-quantize last, after svd-lowrank (it quantizes the factors, as low-rank-int8), or leave it out of select",
        ])
        options.rankRatio = 0.5
        #expect(throws: PassError.invalidValue(key: "rank", value: "rank, rank-ratio and energy together", expected: "at most one of them")) {
            try options.validate()
        }
    }

    /// ‖(W − W̃)·Xᵀ‖²_F = trace((W − W̃)·G·(W − W̃)ᵀ) of blocks.1.mlp.down [32, 37] on three
    /// calibration samples, G = XᵀX; for `method` exact (plain and activation-aware) and as given.
    static func outputErrors(_ method: SVDLowRank.Method) async throws -> (plain: Double, aware: Double, awareExact: Double) {
        let samples = [[2, 17, 45, 80, 9, 33, 61, 3], [2, 99, 5, 150, 151, 20, 3], [2, 40, 41, 42, 43, 44, 45, 46, 3]]
        let calibration = CalibrationSet(samples: samples, source: "t", sha256: "", truncated: 0, available: 3)
        let original = try SVDLowRankTests().model()
        let gram = try #require(try ActivationStatistics.measure(original, samples: samples, gram: ["blocks.1.mlp.down"])
            .inputs["blocks.1.mlp.down"]?.gram)
        func outputError(_ options: SVDLowRank.Options) async throws -> Double {
            var m = original
            _ = try await SVDLowRankTests().run(options, on: &m, context: PassContext(calibration: calibration))
            let w = DenseWeight.floats(original.linear(at: "blocks.1.mlp.down")!), a = DenseWeight.floats(m.linear(at: "blocks.1.mlp.down")!)
            let out = 32, inF = 37
            var total = 0.0
            for o in 0..<out {
                let e = (0..<inF).map { Double(w[o * inF + $0] - a[o * inF + $0]) }
                for i in 0..<inF { for j in 0..<inF { total += e[i] * Double(gram[i * inF + j]) * e[j] } }
            }
            return total
        }
        var options = SVDLowRank.Options()
        options.select = "blocks.1.mlp.down"
        options.rank = 6
        options.force = true
        options.method = method
        let plain = try await outputError(options)
        options.activationAware = true
        let aware = try await outputError(options)
        options.method = .exact
        return (plain, aware, try await outputError(options))
    }

    @Test func activationAwareFitsTheCalibrationInputsBetter() async throws {
        let errors = try await Self.outputErrors(.exact)
        #expect(errors.aware < errors.plain)
    }

    @Test func runtimeRunsTheFactorsAsTwoGEMMs() async throws {
        let original = try model()
        var m = original
        var options = SVDLowRank.Options()
        options.select = "blocks.*.mlp.*"
        options.rank = 32
        options.force = true
        _ = try await run(options, on: &m)
        let batch = TokenBatch(ids: [[2, 17, 45, 80, 9, 3]])
        let a = try PreparedModel(original).encode(batch).lastHidden, b = try PreparedModel(m).encode(batch).lastHidden
        #expect(zip(a, b).allSatisfy { abs($0 - $1) <= 1e-4 })
    }
}
