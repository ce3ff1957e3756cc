/// Which kernel a `Linear` runs on Pare's runtime, decided once from its weight form, its
/// activations and the machine's int8 capability. `PreparedLinear` builds this kernel and
/// `CostModel` prices it (`cost`), so what the report prices is what runs.
///
/// - dense and sparse weights run one f32 sgemm (sparse weights keep their zeros: no sparse kernel
///   is faster at these sparsities);
/// - int8 weights with `dynamic` activations run W8A8 int8 GEMMs where the machine has an exact
///   int8 kernel; weight-only int8 (and int8 where no exact kernel exists) is widened to f32 at load;
/// - low-rank factors run two GEMMs through a [rows, r] intermediate, int8 or widened likewise.
public enum LinearKernel: Sendable, Equatable {
    /// y = x·Wᵀ, one f32 GEMM; `widened` when W was stored int8 (s·Q computed once at load).
    case f32(widened: Bool)
    /// W8A8: x quantized per token, `groups` int8 GEMMs (one per scale group of g = in/groups
    /// inputs), int32 accumulators dequantized into f32 (bias fused there).
    case int8(groups: Int)
    /// W = u·v, u [out, r], v [r, in]: x·vᵀ then ·uᵀ in f32; `widened` when the factors were int8.
    case lowRank(rank: Int, widened: Bool)
    /// Both factors int8 GEMMs; the [rows, r] intermediate is quantized per token again.
    case lowRankInt8(rank: Int)

    /// The kernel `linear` runs on a machine with (`int8GEMMs`) or without an exact int8 kernel.
    public init<T>(_ linear: Linear<T>, int8GEMMs: Bool) {
        let integer = int8GEMMs && linear.activations == .dynamic
        switch linear.weight {
        case .dense, .sparse:
            self = .f32(widened: false)
        case let .int8(_, scales), let .sparseInt8(_, scales, _, _, _):
            let g = scales.int8GroupSize(inFeatures: linear.inFeatures)
            self = integer ? .int8(groups: g > 0 ? max(1, linear.inFeatures / g) : 1) : .f32(widened: true)
        case let .lowRank(u, _):
            self = .lowRank(rank: u.shape[1], widened: false)
        case let .lowRankInt8(u, _, _, _):
            self = integer ? .lowRankInt8(rank: u.shape[1]) : .lowRank(rank: u.shape[1], widened: true)
        }
    }

    /// Whether the kernel runs int8 GEMMs (and so quantizes its input per call).
    public var isInt8: Bool {
        switch self {
        case .int8, .lowRankInt8: true
        case .f32, .lowRank: false
        }
    }

    /// Runtime cost of y = x·Wᵀ + b on n rows, in f32-GEMM FLOPs at `ρ`, with G(m, n, k) =
    /// `ρ.gemmCost` (int8 or f32 as the kernel runs):
    /// - f32: G(n, out, in) + n·out·ρ.elementwise for a bias;
    /// - int8 (groups c): c·G(n, out, in/c) + n·in·ρ.quantize + n·out·c·ρ.dequantize (bias fused);
    /// - low-rank (r): [G(n, r, in) + G(n, out, r)] / e + bias, where e = r / (r + ρ.halfEfficiencyRank)
    ///   without a measured GEMM table (which prices skinny shapes itself) and 1 with one;
    ///   int8 factors pay each GEMM's quantization and dequantization as above.
    public func cost(tokens n: Int, inFeatures: Int, outFeatures: Int, biased: Bool, rates ρ: KernelRates) -> Double {
        let rows = Double(n), o = Double(outFeatures)
        func int8GEMM(_ k: Int, _ out: Int, groups: Int = 1) -> Double {
            Double(groups) * ρ.gemmCost(m: n, n: out, k: k / groups, int8: true)
                + rows * Double(k) * ρ.quantize + rows * Double(out) * Double(groups) * ρ.dequantize
        }
        let bias = biased ? rows * o * ρ.elementwise : 0
        func efficiency(_ r: Int) -> Double {
            ρ.gemm == nil ? max(Double(r) / (Double(r) + ρ.halfEfficiencyRank), 1e-9) : 1
        }
        switch self {
        case .f32:
            return ρ.gemmCost(m: n, n: outFeatures, k: inFeatures, int8: false) + bias
        case let .int8(groups):
            return int8GEMM(inFeatures, outFeatures, groups: groups)
        case let .lowRank(r, _):
            return (ρ.gemmCost(m: n, n: r, k: inFeatures, int8: false) + ρ.gemmCost(m: n, n: outFeatures, k: r, int8: false))
                / efficiency(r) + bias
        case let .lowRankInt8(r):
            return (int8GEMM(inFeatures, r) + int8GEMM(r, outFeatures)) / efficiency(r)
        }
    }
}
