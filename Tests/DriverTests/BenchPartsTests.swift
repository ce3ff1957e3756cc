import Testing
@testable import ModelIR
import Runtime
@testable import Driver

/// `pare bench`'s measured-against-predicted table: every profiled phase belongs to one part, and
/// the shares are each part's fraction of the measured and of the priced total.
@Suite struct BenchPartsTests {
    @Test func everyPhaseBelongsToExactlyOnePart() {
        let names = ForwardProfile.Phase.allCases.map(\.rawValue) + ["other (allocation, copies)"]
        for name in names {
            #expect(Bench.parts.filter { $0.phases.contains(name) }.count == 1, "phase \(name)")
        }
        // No part names a phase the runtime does not time.
        #expect(Set(Bench.parts.flatMap(\.phases)) == Set(names))
    }

    @Test func sharesAreFractionsOfMeasuredAndPricedTotals() {
        let phases = [("qkv-gemm", 3.0), ("mlp-up-gemm", 4.0), ("softmax", 2.0), ("layer-norm+residual", 1.0)]
            .map { BenchReport.PhaseTime(phase: $0.0, milliseconds: $0.1) }
        let block = BlockCost(qkv: 30, scores: 5, softmax: 10, context: 5, output: 10, norms: 20, mlp: 20)
        let cost = ModelCost(embeddings: 0, blocks: [block, block], head: 0)  // total 200
        let shares = Bench.partShares(phases, predicted: cost)
        func share(_ name: String) -> BenchReport.PartShare { shares.first { $0.part == name }! }
        #expect(share("linears and MLP").measuredShare == 0.7 && share("linears and MLP").predictedShare == 0.6)
        #expect(share("attention").measuredShare == 0.2 && share("attention").predictedShare == 0.2)
        #expect(share("norms and residuals").predictedShare == 0.2 && share("norms and residuals").milliseconds == 1)
        #expect(abs(shares.reduce(0) { $0 + $1.predictedShare } - 1) < 1e-12 && abs(shares.reduce(0) { $0 + $1.measuredShare } - 1) < 1e-12)
    }
}
