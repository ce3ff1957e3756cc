import Foundation
import Testing
@testable import ModelIR

/// Attention priced by sequence length: the profile's table interpolated in log₂ n, each sample of
/// a batch at its own length, and profiles without the table priced as before.
@Suite struct AttentionRatesTests {
    let table = AttentionRates(tokens: [16, 128, 512], gemm: [10, 160, 250], softmax: [2, 0.5, 0.5])

    @Test func interpolatesInLogTokensAndClamps() {
        #expect(table.value(table.gemm, tokens: 16) == 10 && table.value(table.gemm, tokens: 4) == 10)
        #expect(table.value(table.gemm, tokens: 4096) == 250)
        // 45 ≈ 2^5.49: t = (log₂ 45 − 4) / 3 between 10 and 160, geometric.
        let t = (Foundation.log2(45.0) - 4) / 3
        #expect(abs(table.value(table.gemm, tokens: 45) - Foundation.exp((1 - t) * Foundation.log(10.0) + t * Foundation.log(160.0))) < 1e-9)
        #expect(table.problem == nil)
        #expect(AttentionRates(tokens: [16, 16], gemm: [1, 1], softmax: [1, 1]).problem
            == "attention_by_tokens.tokens must be a non-empty ascending list of positive integers")
        #expect(AttentionRates(tokens: [16], gemm: [1, 2], softmax: [1]).problem == "attention_by_tokens.gemm has 2 figures for 1 lengths")
        #expect(AttentionRates(tokens: [16], gemm: [1], softmax: [0]).problem == "attention_by_tokens.softmax holds 0.0; figures must be positive")
    }

    @Test func eachSampleIsPricedAtItsOwnLength() throws {
        var profile = MachineProfile(
            machine: .init(cpu: "test", flags: [], threads: 2, blasCore: "x", int8Kernel: "x"), measuredOn: "2026-12-08",
            gemm: GEMMRateTable(m: [16], n: [64], k: [64], f32: [100], int8: nil), attentionGemmGflops: 160,
            nanosecondsPerElement: .init(quantize: 1, dequantize: 1, softmax: 0.5, activation: 1, elementwise: 1, norms: 1),
            triadGigabytesPerSecond: 10)
        let flat = profile.rates
        profile.attentionByTokens = table
        #expect(profile.problem == nil)
        let ρ = profile.rates
        // Unit P = 100 GFLOP/s: 16 tokens cost P/10 per FLOP, 128 tokens P/160 as the flat profile.
        #expect(abs(ρ.attentionGEMM(tokens: 16) - 10) < 1e-12 && abs(ρ.attentionGEMM(tokens: 128) - flat.attentionGEMM) < 1e-12)
        #expect(abs(ρ.softmax(tokens: 16) - 200) < 1e-9 && flat.softmax(tokens: 16) == flat.softmax)
        let block = Skeleton(dense: .miniLM).blocks[0]
        let mixed = BlockTokens(samples: [(16, 16), (128, 128)])
        let c = CostModel.cost(block, hiddenSize: 384, tokens: mixed, pricing: .runtime(ρ))
        let expected = Int((2.0 * 16 * 16 * 384 * 10).rounded()) + Int((2.0 * 128 * 128 * 384 * flat.attentionGEMM).rounded())
        #expect(c.scores == expected && c.context == expected)
        #expect(c.softmax == Int((12.0 * 16 * 16 * 200).rounded()) + Int((12.0 * 128 * 128 * flat.softmax).rounded()))
        // Without the table every length is priced at the 128-token figures.
        let old = CostModel.cost(block, hiddenSize: 384, tokens: mixed, pricing: .runtime(flat))
        #expect(old.scores == Int((2.0 * 16 * 16 * 384 * flat.attentionGEMM).rounded()) + Int((2.0 * 128 * 128 * 384 * flat.attentionGEMM).rounded()))
        #expect(old.scores < c.scores)
    }
}
