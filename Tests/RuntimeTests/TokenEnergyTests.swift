import Testing
import Kernels
import TensorCore
import ModelIR
@testable import Runtime

/// `keep=acc-energy|energy`. Oracles: the energy recomputed naively in Double, the scores by
/// their formulas, and the full model at the identity λ (nothing is eliminated, whatever ranks).
@Suite struct TokenEnergyTests {
    let batch = TokenBatch(ids: [[2, 17, 45, 80, 9, 33, 61, 3], [2, 99, 5, 3], [2, 150, 151, 152, 20, 21, 3]])

    @Test func energyIsTheMeanCosineToTheOthers() {
        var rng = SplitMix64(seed: 11)
        let n = 5, width = 7
        let x = (0..<(n * width)).map { _ in Float.random(in: -1...1, using: &rng) }
        let energy = x.withUnsafeBufferPointer { TokenEnergy.energy(TokenMerging.Rows(base: $0.baseAddress!, stride: width, width: width), count: n) }
        func row(_ i: Int) -> [Double] { x[(i * width)..<((i + 1) * width)].map(Double.init) }
        func cosine(_ a: [Double], _ b: [Double]) -> Double {
            zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } / (a.reduce(0) { $0 + $1 * $1 }.squareRoot() * b.reduce(0) { $0 + $1 * $1 }.squareRoot())
        }
        for i in 0..<n {
            let naive = (0..<n).filter { $0 != i }.reduce(0.0) { $0 + cosine(row(i), row($1)) } / Double(n - 1)
            #expect(abs(Double(energy[i]) - naive) < 1e-5)
        }
        #expect(TokenEnergy.score([2, 4], energy: [0.5, -0.25], keep: .accEnergy) == [1, 5])
        #expect(TokenEnergy.score([2, 4], energy: [0.5, -0.25], keep: .energy) == [-0.5, 0.25])
        #expect(TokenEnergy.score([2, 4], energy: [0.5, -0.25], keep: .acc) == [2, 4])
    }

    @Test(arguments: [EliminationProfile.Keep.accEnergy, .energy], [EliminationProfile.Mode.drop, .merge])
    func identityLambdaIsTheFullModelAndBelowItTheCountsHold(keep: EliminationProfile.Keep, mode: EliminationProfile.Mode) throws {
        let model = try EliminationTests.model("tiny-bert")
        var profile = EliminationProfile(acc: [0.9, 0.6], fit: .raw, protection: .first)
        profile.keep = keep
        let full = try model.encode(batch)
        let identity = try model.encode(batch, elimination: Elimination(profile: profile, lambda: profile.identityLambda, mode: mode))
        #expect(identity.lastHidden == full.lastHidden)
        let eliminated = try model.encode(batch, elimination: Elimination(profile: profile, lambda: 0.7, mode: mode))
        #expect(eliminated.keptCounts == batch.ids.map { profile.keptCounts(tokens: $0.count, lambda: 0.7) })
        var byACC = profile
        byACC.keep = nil
        let acc = try model.encode(batch, elimination: Elimination(profile: byACC, lambda: 0.7, mode: mode))
        #expect(acc.keptCounts == eliminated.keptCounts)
        // 1 and 2 BLAS threads: the same bits.
        let saved = BLASThreads.count
        defer { BLASThreads.count = saved }
        BLASThreads.count = 1
        let one = try model.encode(batch, elimination: Elimination(profile: profile, lambda: 0.7, mode: mode))
        BLASThreads.count = 2
        let two = try model.encode(batch, elimination: Elimination(profile: profile, lambda: 0.7, mode: mode))
        #expect(one.lastHidden == two.lastHidden)
    }
}
