import Foundation
import Testing
import TensorCore
@testable import ModelIR

/// Oracle: the kernel each weight form runs (the runtime's choice, `PreparedLinear` builds it) and
/// its price with a measured GEMM table, worked by hand with round rates; the table's
/// interpolation against its closed form (geometric means between grid points in log₂).
@Suite struct LinearKernelTests {
    let spec = { (dims: [Int], dtype: DType) in TensorSpec(dtype: dtype, shape: Shape(dims)) }

    func linear(_ weight: WeightForm<TensorSpec>, bias: Bool = false, activations: ActivationQuantization = .none) -> Linear<TensorSpec> {
        Linear(inFeatures: 384, outFeatures: 1536, weight: weight, bias: bias ? spec([1536], .f32) : nil, activations: activations)
    }

    var forms: [(String, WeightForm<TensorSpec>)] {
        [("dense", .dense(spec([1536, 384], .f32))),
         ("sparse", .sparse(values: spec([1536, 384], .f32), mask: spec([1536, 48], .u8), pattern: .unstructured, nonzeros: 1000)),
         ("int8", .int8(values: spec([1536, 384], .i8), scales: spec([1536], .f32))),
         ("int8 g128", .int8(values: spec([1536, 384], .i8), scales: spec([1536, 3], .f32))),
         ("sparse int8", .sparseInt8(values: spec([1536, 384], .i8), scales: spec([1536], .f32), mask: spec([1536, 48], .u8),
                                     pattern: .unstructured, nonzeros: 1000)),
         ("low-rank", .lowRank(u: spec([1536, 48], .f32), v: spec([48, 384], .f32))),
         ("low-rank int8", .lowRankInt8(u: spec([1536, 48], .i8), uScales: spec([1536], .f32), v: spec([48, 384], .i8),
                                        vScales: spec([48], .f32)))]
    }

    @Test func eachFormRunsOneKernel() {
        let expected: [String: (dynamic: LinearKernel, weightOnly: LinearKernel, noInt8Kernel: LinearKernel)] = [
            "dense": (.f32(widened: false), .f32(widened: false), .f32(widened: false)),
            "sparse": (.f32(widened: false), .f32(widened: false), .f32(widened: false)),
            "int8": (.int8(groups: 1), .f32(widened: true), .f32(widened: true)),
            "int8 g128": (.int8(groups: 3), .f32(widened: true), .f32(widened: true)),
            "sparse int8": (.int8(groups: 1), .f32(widened: true), .f32(widened: true)),
            "low-rank": (.lowRank(rank: 48, widened: false), .lowRank(rank: 48, widened: false), .lowRank(rank: 48, widened: false)),
            "low-rank int8": (.lowRankInt8(rank: 48), .lowRank(rank: 48, widened: true), .lowRank(rank: 48, widened: true)),
        ]
        for (name, form) in forms {
            let want = expected[name]!
            #expect(LinearKernel(linear(form, activations: .dynamic), int8GEMMs: true) == want.dynamic, "\(name)")
            #expect(LinearKernel(linear(form), int8GEMMs: true) == want.weightOnly, "\(name)")
            #expect(LinearKernel(linear(form, activations: .dynamic), int8GEMMs: false) == want.noInt8Kernel, "\(name)")
        }
    }

    /// A table whose f32 rate is 1/2 and int8 rate 2 at every shape.
    func flatRates(int8: Bool = true) -> KernelRates {
        let g = GEMMRateTable.standardGrid
        let count = g.m.count * g.n.count * g.k.count
        var ρ = KernelRates(int8GEMM: 99, quantize: 10, dequantize: 20, attentionGEMM: 3, softmax: 100, activation: 50,
                            elementwise: 2, norms: 40, halfEfficiencyRank: 16)
        ρ.gemm = GEMMRateTable(m: g.m, n: g.n, k: g.k, f32: Array(repeating: 0.5, count: count),
                               int8: int8 ? Array(repeating: 2, count: count) : nil)
        return ρ
    }

    @Test func measuredTablePricesEveryForm() {
        let n = 10, ρ = flatRates()
        func cost(_ name: String, bias: Bool = false, _ a: ActivationQuantization = .none) -> Int {
            CostModel.cost(linear(forms.first { $0.0 == name }!.1, bias: bias, activations: a), tokens: n, pricing: .runtime(ρ))
        }
        // f32: 2·n·in·out / 0.5 + n·out·2 (bias); sparse and weight-only int8 the same.
        #expect(cost("dense", bias: true) == 2 * n * 384 * 1536 * 2 + n * 1536 * 2)
        #expect(cost("sparse", bias: true) == cost("dense", bias: true) && cost("int8", bias: true) == cost("dense", bias: true))
        // W8A8 at the table's int8 rate 2 (not int8GEMM = 99): 2·n·in·out / 2 + n·in·10 + n·out·20.
        #expect(cost("int8", bias: true, .dynamic) == n * 384 * 1536 + n * 384 * 10 + n * 1536 * 20)
        // Three groups: three GEMMs of k = 128, three dequantizations.
        #expect(cost("int8 g128", .dynamic) == n * 384 * 1536 + n * 384 * 10 + 3 * n * 1536 * 20)
        // Low-rank: the table prices the skinny GEMMs, no r½ efficiency on top: 2·n·48·(384+1536)/0.5.
        #expect(cost("low-rank") == 2 * n * 48 * (384 + 1536) * 2)
        // Low-rank int8: two int8 GEMMs, each with its quantization and dequantization.
        #expect(cost("low-rank int8", .dynamic) == n * 48 * (384 + 1536) + n * 384 * 10 + n * 48 * 20 + n * 48 * 10 + n * 1536 * 20)
        // A machine without an int8 kernel widens W8A8 weights: the f32 price.
        let widened = CostModel.cost(linear(forms[2].1, bias: true, activations: .dynamic), tokens: n, pricing: .runtime(flatRates(int8: false)))
        #expect(widened == cost("dense", bias: true))
    }

    /// `flatRates` with f32 GEMM rates rate(m, n) over the standard grid, no int8 kernel.
    func f32Rates(_ rate: (_ m: Int, _ n: Int) -> Double) -> KernelRates {
        let g = GEMMRateTable.standardGrid
        var f32: [Double] = []
        for m in g.m { for n in g.n { for _ in g.k { f32.append(rate(m, n)) } } }
        var ρ = flatRates()
        ρ.gemm = GEMMRateTable(m: g.m, n: g.n, k: g.k, f32: f32, int8: nil)
        return ρ
    }

    @Test func stackedQKVIsOneWiderGEMMOnAMeasuredTable() {
        // f32 rate grows with n: 0.25 at n ≤ 384, 1 at n ≥ 1536; Q, K, V (out 384 each) stack to out 1152.
        let ρ = f32Rates { _, n in n <= 384 ? 0.25 : 1 }
        let f32 = ρ.gemm!.f32
        let block = Skeleton(dense: .miniLM).blocks[0]
        let n = 128, d = 384
        let c = CostModel.cost(block, hiddenSize: d, tokensIn: n, tokensOut: n, pricing: .runtime(ρ))
        // Rate at n = 1152: log-interpolated between 384 (0.25) and 1536 (1): t = log₂(3)/2.
        let rate = ρ.gemm!.rate(f32, m: n, n: 3 * d, k: d)
        #expect(abs(rate - Foundation.exp(Foundation.log(0.25) * (1 - Foundation.log2(3) / 2))) < 1e-12)
        #expect(c.qkv == Int((2 * Double(n * d * 3 * d) / rate + Double(n * 3 * d * 2)).rounded()))
    }

    @Test func aBatchIsPricedOnItsStackedRows() {
        // f32 rate grows with m: 0.25 at m ≤ 128, 1 at m = 1024. The runtime stacks 8 samples of
        // 128 tokens into 1024 rows, so 8 × 128 costs less than 8 separate samples of 128.
        let ρ = f32Rates { m, _ in m <= 128 ? 0.25 : 1 }
        let block = Skeleton(dense: .miniLM).blocks[0]
        let d = 384, one = CostModel.cost(block, hiddenSize: d, tokensIn: 128, tokensOut: 128, pricing: .runtime(ρ))
        let batch = CostModel.cost(block, hiddenSize: d, tokens: BlockTokens(batch: 8, tokensIn: 128, tokensOut: 128), pricing: .runtime(ρ))
        // Linears at 1024 rows run 4× the per-sample rate; attention stays per sample.
        #expect(batch.mlpUp == Int((2 * Double(1024 * d * 1536)).rounded()) + 1024 * 1536 * 2)
        #expect(one.mlpUp == Int((2 * Double(128 * d * 1536) / 0.25).rounded()) + 128 * 1536 * 2)
        #expect(batch.scores == 8 * one.scores && batch.softmax == 8 * one.softmax)
        // Uneven samples: their Σ n² attention, one stacked GEMM on Σ n rows, selection only
        // where a sample eliminates.
        let mixed = BlockTokens(samples: [(100, 100), (28, 10)])
        #expect(mixed.rowsIn == 128 && mixed.rowsOut == 110 && mixed.squaresIn == 100 * 100 + 28 * 28)
        let c = CostModel.cost(block, hiddenSize: d, tokens: mixed, pricing: .flops)
        let alone = CostModel.cost(block, hiddenSize: d, tokensIn: 28, tokensOut: 10, pricing: .flops)
        #expect(c.selection == alone.selection && c.scores == 2 * mixed.squaresIn * d)
        #expect(c.mlpUp == CostModel.flops(block.mlp.up, tokens: 110))
    }

    @Test func interpolationIsGeometricInLogShape() {
        let t = GEMMRateTable(m: [16, 1024], n: [64], k: [64, 4096], f32: [1, 4, 9, 36], int8: nil)
        // Grid points exactly; outside clamped.
        #expect(t.rate(t.f32, m: 16, n: 64, k: 64) == 1 && abs(t.rate(t.f32, m: 1024, n: 64, k: 4096) - 36) < 1e-9)
        #expect(t.rate(t.f32, m: 1, n: 1, k: 1) == 1 && abs(t.rate(t.f32, m: 1 << 20, n: 1 << 20, k: 1 << 20) - 36) < 1e-9)
        // Midpoint in log₂ m (128) and log₂ k (512): the geometric mean of the four corners, (1·4·9·36)^¼ = 6.
        #expect(abs(t.rate(t.f32, m: 128, n: 64, k: 512) - 6) < 1e-9)
        #expect(t.problem == nil)
        #expect(GEMMRateTable(m: [16, 8], n: [64], k: [64], f32: [1, 1], int8: nil).problem
            == "gemm.m must be a non-empty ascending list of positive integers")
        #expect(GEMMRateTable(m: [16], n: [64], k: [64], f32: [1, 2], int8: nil).problem == "gemm.f32 has 2 rates for 1 grid points")
        #expect(GEMMRateTable(m: [16], n: [64], k: [64], f32: [0], int8: nil).problem == "gemm.f32 holds a rate of 0.0; rates must be positive")
    }

    @Test func profileRatesAreSecondsTimesThePeak() {
        let p = MachineProfile(
            machine: .init(cpu: "Test CPU", flags: ["avx2", "fma"], threads: 2, blasCore: "Haswell", int8Kernel: "oneDNN avx2"),
            measuredOn: "2026-12-07", gemm: GEMMRateTable(m: [16, 1024], n: [1536], k: [384], f32: [50, 200], int8: [100, 300]),
            attentionGemmGflops: 40,
            nanosecondsPerElement: .init(quantize: 0.5, dequantize: 0.25, softmax: 1, activation: 0.75, elementwise: 0.125, norms: 2),
            triadGigabytesPerSecond: 20)
        let ρ = p.rates
        // P = 200 GFLOP/s (the f32 rate at 1024 × 384 → 1536): 1 ns = 200 f32-GEMM FLOPs.
        #expect(ρ.quantize == 100 && ρ.dequantize == 50 && ρ.softmax == 200 && ρ.activation == 150 && ρ.elementwise == 25 && ρ.norms == 400)
        #expect(ρ.attentionGEMM == 5)
        #expect(ρ.gemm == GEMMRateTable(m: [16, 1024], n: [1536], k: [384], f32: [0.25, 1], int8: [0.5, 1.5]))
        #expect(ρ.int8GEMM == 1.5)
        #expect(p.problem == nil)
        var bad = p
        bad.nanosecondsPerElement.softmax = -1
        #expect(bad.problem == "nanoseconds_per_element.softmax is -1.0; it must be a positive number")
        bad = p
        bad.format = 2
        #expect(bad.problem == "format 2 is not the format this Pare reads (1)")
    }

    @Test func machineDifferencesAreNamed() {
        let a = MachineProfile.Machine(cpu: "A", flags: ["avx2", "avx512f", "fma"], threads: 2, blasCore: "SkylakeX", int8Kernel: "k")
        #expect(a.differences(from: a).isEmpty)
        let b = MachineProfile.Machine(cpu: "B", flags: ["avx2", "fma", "f16c"], threads: 4, blasCore: "Haswell", int8Kernel: "k")
        #expect(a.differences(from: b) == [
            "CPU \"A\", this machine has \"B\"",
            "CPU flags differ (only the profile's: avx512f; only this machine's: f16c)",
            "measured on 2 threads, running on 4",
        ])
    }
}
