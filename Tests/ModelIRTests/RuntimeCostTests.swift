import Testing
import TensorCore
@testable import ModelIR

/// Oracle: the runtime pricing of `CostModel.Pricing.runtime` worked by hand for MiniLM shapes,
/// with round rates so every term can be written out; and the closed form of the low-rank
/// break-even rank, r* = ⌈in·out/(in+out) − r½⌉ for f32 factors.
@Suite struct RuntimeCostTests {
    /// Round rates: each term of a formula is visible in the expected numbers.
    let ρ = KernelRates(int8GEMM: 4, quantize: 10, dequantize: 20, attentionGEMM: 3, softmax: 100, activation: 50,
                        elementwise: 2, norms: 40, halfEfficiencyRank: 16)
    let spec = { (dims: [Int], dtype: DType) in TensorSpec(dtype: dtype, shape: Shape(dims)) }

    func linear(_ weight: WeightForm<TensorSpec>, bias: Bool = false, activations: ActivationQuantization = .none) -> Linear<TensorSpec> {
        Linear(inFeatures: 384, outFeatures: 1536, weight: weight, bias: bias ? spec([1536], .f32) : nil, activations: activations)
    }

    @Test func formsArePricedAsTheRuntimeRunsThem() {
        let n = 10
        let dense = linear(.dense(spec([1536, 384], .f32)), bias: true)
        // f32 GEMM 2·n·in·out + bias pass n·out·ρ.elementwise.
        #expect(CostModel.cost(dense, tokens: n, pricing: .runtime(ρ)) == 2 * n * 384 * 1536 + n * 1536 * 2)
        // Sparse runs dense: the same price, whatever its nonzeros.
        let sparse = linear(.sparse(values: spec([1536, 384], .f32), mask: spec([1536, 48], .u8), pattern: .unstructured, nonzeros: 1000),
                            bias: true)
        #expect(CostModel.cost(sparse, tokens: n, pricing: .runtime(ρ)) == CostModel.cost(dense, tokens: n, pricing: .runtime(ρ)))
        // Weight-only int8 is widened at load: f32 price.
        let int8 = WeightForm<TensorSpec>.int8(values: spec([1536, 384], .i8), scales: spec([1536], .f32))
        #expect(CostModel.cost(linear(int8, bias: true), tokens: n, pricing: .runtime(ρ)) == CostModel.cost(dense, tokens: n, pricing: .runtime(ρ)))
        // W8A8: 2·n·in·out / 4 + n·in·10 (quantize) + n·out·20 (dequantize, bias fused).
        #expect(CostModel.cost(linear(int8, bias: true, activations: .dynamic), tokens: n, pricing: .runtime(ρ))
            == 2 * n * 384 * 1536 / 4 + n * 384 * 10 + n * 1536 * 20)
        // Per-group scales (g = 128, 3 groups): three dequantization passes.
        let grouped = WeightForm<TensorSpec>.int8(values: spec([1536, 384], .i8), scales: spec([1536, 3], .f32))
        #expect(CostModel.cost(linear(grouped, activations: .dynamic), tokens: n, pricing: .runtime(ρ))
            == 2 * n * 384 * 1536 / 4 + n * 384 * 10 + 3 * n * 1536 * 20)
        // Low-rank r = 48: (2·n·384·48 + 2·n·48·1536) / (48 / (48 + 16)).
        let lowRank = linear(.lowRank(u: spec([1536, 48], .f32), v: spec([48, 384], .f32)))
        #expect(CostModel.cost(lowRank, tokens: n, pricing: .runtime(ρ)) == (2 * n * 48 * (384 + 1536)) * 64 / 48)
    }

    @Test func miniLMBlockAt128TokensByHand() {
        let n = 128, d = 384, h = 12, ff = 1536
        let block = Skeleton(dense: .miniLM).blocks[0]
        let c = CostModel.cost(block, hiddenSize: d, tokensIn: n, tokensOut: n, pricing: .runtime(ρ))
        // Q, K, V: f32 GEMMs with biases, 3 · (2·n·d·d + n·d·2).
        #expect(c.qkv == 3 * (2 * n * d * d + n * d * 2))
        // Q·Kᵀ, P·V: 2·n²·d at 3 per FLOP; softmax h·n² probabilities at 100.
        #expect(c.scores == 3 * 2 * n * n * d && c.context == c.scores)
        #expect(c.softmax == 100 * h * n * n)
        #expect(c.output == 2 * n * d * d + n * d * 2)
        #expect(c.norms == 40 * n * d)
        #expect(c.mlp == (2 * n * d * ff + n * ff * 2) + 50 * n * ff + (2 * n * ff * d + n * d * 2))
        #expect(c.selection == 0)
        // Eliminating to m = 64 tokens: W_O, norms and MLP on m; the score sums (h+1)·n² and the gather m·d.
        let m = 64
        let e = CostModel.cost(block, hiddenSize: d, tokensIn: n, tokensOut: m, pricing: .runtime(ρ))
        #expect(e.qkv == c.qkv && e.scores == c.scores && e.output == 2 * m * d * d + m * d * 2)
        #expect(e.selection == 2 * ((h + 1) * n * n + m * d))
    }

    @Test func stackedInt8QKVQuantizesTheInputOnce() {
        var block = Skeleton(dense: .miniLM).blocks[0]
        for keyPath in [\Attention<TensorSpec>.q, \.k, \.v] {
            block.attention[keyPath: keyPath].weight = .int8(values: spec([384, 384], .i8), scales: spec([384], .f32))
            block.attention[keyPath: keyPath].activations = .dynamic
        }
        let n = 128, d = 384
        let c = CostModel.cost(block, hiddenSize: d, tokensIn: n, tokensOut: n, pricing: .runtime(ρ))
        // One quantization of x [n, d] for the stacked GEMM, three dequantizations (one per output column block).
        #expect(c.qkv == 3 * (2 * n * d * d / 4) + n * d * 10 + 3 * n * d * 20)
    }

    @Test func rankingByEnergyPricesTheCosineGEMM() {
        let block = Skeleton(dense: .miniLM).blocks[0]
        let n = 128, m = 100, d = 384
        let plain = CostModel.cost(block, hiddenSize: d, tokensIn: n, tokensOut: m, pricing: .runtime(ρ))
        let energy = CostModel.cost(block, hiddenSize: d, tokensIn: n, tokensOut: m, pricing: .runtime(ρ), energy: true)
        // n×n cosines at ρ.attentionGEMM = 3 per FLOP, then n·d normalised and n² summed at ρ.elementwise = 2.
        #expect(energy.selection - plain.selection == 2 * n * n * d * 3 + (n * d + n * n) * 2)
        #expect(energy.total - plain.total == energy.selection - plain.selection)
        // Nothing eliminated, nothing ranked.
        #expect(CostModel.cost(block, hiddenSize: d, tokensIn: n, tokensOut: n, pricing: .runtime(ρ), energy: true) ==
                CostModel.cost(block, hiddenSize: d, tokensIn: n, tokensOut: n, pricing: .runtime(ρ)))
    }

    @Test func breakEvenRankHasAClosedForm() {
        for (inF, out) in [(384, 1536), (1536, 384), (384, 384), (768, 3072), (37, 32)] {
            let exact = Double(inF * out) / Double(inF + out) - 20
            let expected: Int? = exact <= 1 ? nil : Int(exact.rounded(.up))
            #expect(LowRankPricing.breakEvenRank(inFeatures: inF, outFeatures: out, tokens: 128, rates: .reference) == expected,
                    "\(inF) → \(out)")
            if let r = expected {
                #expect(LowRankPricing.ratio(rank: r - 1, inFeatures: inF, outFeatures: out, int8GEMMs: false, tokens: 128, rates: .reference) < 1)
                #expect(LowRankPricing.ratio(rank: r, inFeatures: inF, outFeatures: out, int8GEMMs: false, tokens: 128, rates: .reference) >= 1)
            }
        }
    }

    @Test func countsPriceEachSampleAtItsOwnLength() {
        let model = Skeleton(dense: .miniLM)
        // Two samples of 20 and 40 tokens, unpadded: the sum of two batch-1 workloads.
        let ragged = CostModel.cost(model, counts: CostModel.keptCounts(model, lengths: [20, 40], profile: nil, lambda: nil),
                                    pricing: .reference)
        let separate = [20, 40].reduce(0) { $0 + CostModel.cost(model, workload: Workload(batch: 1, sequenceLength: $1), pricing: .reference).total }
        #expect(ragged == separate)
        // Without a profile, λ changes nothing.
        #expect(CostModel.keptCounts(model, lengths: [7], profile: nil, lambda: 0.5) == [[Int]](repeating: [7, 7, 7, 7, 7, 7, 7], count: 1))
    }
}
