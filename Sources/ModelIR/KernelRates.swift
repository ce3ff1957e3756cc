/// How fast Pare's runtime does each kind of work, relative to one FLOP of a dense f32 GEMM
/// (OpenBLAS sgemm on a [tokens, in] × [in, out] product). The runtime cost model
/// (`CostModel.Pricing.runtime`) prices a forward pass with these rates, so its unit is
/// "f32-GEMM FLOPs": what the pass would cost if everything ran at sgemm's rate.
///
/// Only ratios of such costs are reported (speedups), so the rates need to be right relative to
/// each other, not in absolute terms. `reference` was measured on the machine the recipes were
/// tuned on; `pare bench` prints this machine's int8/f32 GEMM ratio next to the assumed one.
public struct KernelRates: Codable, Sendable, Equatable {
    /// int8 GEMM throughput over f32 GEMM throughput, both in the forward pass (oneDNN
    /// `u8s8s32` against OpenBLAS `sgemm`, same shapes). Applies to linears with
    /// `activations = dynamic`; weight-only int8 is widened at load and runs at 1. Replayed alone
    /// on MiniLM's shapes int8 runs 4.3–4.7× as fast (AVX-512 VNNI), but inside the forward pass
    /// at 45–80% of that (weights come cold from memory; f32 GEMMs lose under 10%): 2.2–3.6×,
    /// about 2.5× typically. `pare bench` prints this machine's figure on its `int8 rate` line.
    public var int8GEMM: Double
    /// Cost per input element of quantizing an int8 GEMM's activations per token (range, scale,
    /// rounding): one pass over x [n, in].
    public var quantize: Double
    /// Cost per output element of turning int32 accumulators into f32 (zero-point and scale
    /// correction, bias, fused activation), per group of the weight's scales.
    public var dequantize: Double
    /// Cost per FLOP of the attention products Q_h·K_hᵀ and P_h·V_h: one small GEMM per head
    /// (inner or outer dimension d_h), far from sgemm's peak.
    public var attentionGEMM: Double
    /// Cost per attention probability: max, exp, sum and scale over a row of scores.
    public var softmax: Double
    /// Cost per element of the MLP activation (GELU's tanh or erf, SiLU's exp).
    public var activation: Double
    /// Cost per element of a memory-bound pass: a bias add, a copy, a gather.
    public var elementwise: Double
    /// Cost per hidden element of a token for the two LayerNorms and residual adds of a block.
    public var norms: Double
    /// A GEMM whose inner or outer dimension is r runs at r / (r + r½) of sgemm's rate; low-rank
    /// factors [out, r]·[r, in] pay it on both products. Fitted to OpenBLAS on 1024 tokens, the
    /// MiniLM and BERT-base FFN and QKV shapes, r = 32…288: r½ between 10 and 40, median 20.
    public var halfEfficiencyRank: Double
    /// GEMM rates by shape, relative to the f32 rate at `MachineProfile.unitShape` (`GEMMRateTable`),
    /// from a `MachineProfile`;
    /// nil for `reference`, whose GEMMs run at 1 (f32) and `int8GEMM` (int8) at every shape, skinny
    /// ones at the `halfEfficiencyRank` efficiency. When present it replaces both.
    public var gemm: GEMMRateTable? = nil
    /// Attention's products and softmax by sequence length (`AttentionRates`, relative to the unit
    /// rate), from a `MachineProfile` that measured them; nil: `attentionGEMM` and `softmax` at
    /// every length.
    public var attention: AttentionRates? = nil

    /// `int8Gemm`, so that JSON's snake case reads `int8_gemm` rather than `int8_g_e_m_m`.
    enum CodingKeys: String, CodingKey {
        case int8GEMM = "int8Gemm", quantize, dequantize, attentionGEMM = "attentionGemm", softmax, activation, elementwise, norms
        case halfEfficiencyRank, gemm, attention
    }

    public init(int8GEMM: Double, quantize: Double, dequantize: Double, attentionGEMM: Double, softmax: Double,
                activation: Double, elementwise: Double, norms: Double, halfEfficiencyRank: Double, gemm: GEMMRateTable? = nil,
                attention: AttentionRates? = nil) {
        self.int8GEMM = int8GEMM
        self.quantize = quantize
        self.dequantize = dequantize
        self.attentionGEMM = attentionGEMM
        self.softmax = softmax
        self.activation = activation
        self.elementwise = elementwise
        self.norms = norms
        self.halfEfficiencyRank = halfEfficiencyRank
        self.gemm = gemm
        self.attention = attention
    }

    /// Cost per FLOP of a head's Q·Kᵀ or P·V in a sample of n tokens.
    public func attentionGEMM(tokens n: Int) -> Double {
        attention.map { $0.value($0.gemm, tokens: n) } ?? attentionGEMM
    }

    /// Cost per attention probability in a sample of n tokens.
    public func softmax(tokens n: Int) -> Double {
        attention.map { $0.value($0.softmax, tokens: n) } ?? softmax
    }

    /// Whether int8 linears with dynamic activations run as int8 GEMMs on the machine these rates
    /// describe (a measured profile without int8 rates: no exact int8 kernel, they are widened).
    public var int8GEMMAvailable: Bool { gemm.map { $0.int8 != nil } ?? true }

    /// Cost of one GEMM [m, k]·[k, n] in f32-GEMM FLOPs: 2·m·n·k / rate(m, n, k) with a measured
    /// table; without one 2·m·n·k for f32 and 2·m·n·k / `int8GEMM` for int8.
    public func gemmCost(m: Int, n: Int, k: Int, int8: Bool) -> Double {
        let flops = 2 * Double(m) * Double(n) * Double(k)
        guard let table = gemm else { return int8 ? flops / int8GEMM : flops }
        let values = int8 ? (table.int8 ?? table.f32) : table.f32
        return flops / table.rate(values, m: m, n: n, k: k)
    }

    /// Measured on an Intel Xeon VM with AVX-512 VNNI, 2 threads, all-MiniLM-L6-v2, batch 8 × 128:
    /// `pare bench`'s phase times divided by the f32 GEMM rate of the same run, then checked
    /// against `pare bench A --against B` on int8, pruned and eliminating artifacts (predictions
    /// within the VM's ±15% run-to-run spread; `scripts/bench/recipes.sh`).
    public static let reference = KernelRates(
        int8GEMM: 2.5, quantize: 60, dequantize: 90, attentionGEMM: 3.0, softmax: 200,
        activation: 120, elementwise: 35, norms: 150, halfEfficiencyRank: 20)

    /// The machine `reference` was measured on, as a report names it.
    public static let referenceMachine = MachineProfile.Summary(
        profile: "built-in reference", cpu: "Intel Xeon VM with AVX-512 VNNI", threads: 2, measuredOn: nil)
}
