import TensorCore

/// When a low-rank factorization W ≈ U·V (U [out, r], V [r, in]) pays on Pare's runtime: its two
/// GEMMs x·Vᵀ and (x·Vᵀ)·Uᵀ do 2·n·r·(in+out) FLOPs against the dense 2·n·in·out, but each runs
/// at the efficiency r / (r + r½) of a skinny GEMM (`KernelRates.halfEfficiencyRank`), so a
/// factorization that saves a few FLOPs runs slower than the weight it replaces.
public enum LowRankPricing {
    /// Runtime cost of `linear`'s low-rank form / cost of the same linear with a dense weight
    /// (f32, or int8 GEMMs when its activations are dynamic), on `tokens` rows; 1 for other forms.
    public static func slowdown<T>(_ linear: Linear<T>, tokens: Int, rates: KernelRates) -> Double {
        switch linear.weight {
        case let .lowRank(u, _), let .lowRankInt8(u, _, _, _):
            return ratio(rank: u.shape[1], inFeatures: linear.inFeatures, outFeatures: linear.outFeatures,
                         int8GEMMs: linear.weight.isInt8 && linear.activations == .dynamic, tokens: tokens, rates: rates)
        case .dense, .sparse, .int8, .sparseInt8:
            return 1
        }
    }

    /// Runtime cost of rank r factors of an in → out linear / cost of its dense weight, on
    /// `tokens` rows, both as f32 GEMMs or both as int8 GEMMs (per-channel scales).
    public static func ratio(rank r: Int, inFeatures: Int, outFeatures: Int, int8GEMMs: Bool, tokens: Int,
                             rates: KernelRates) -> Double {
        let f32 = TensorSpec(dtype: .f32, shape: Shape([0])), i8 = TensorSpec(dtype: .i8, shape: Shape([0]))
        func linear(_ weight: WeightForm<TensorSpec>) -> Linear<TensorSpec> {
            Linear(inFeatures: inFeatures, outFeatures: outFeatures, weight: weight, bias: nil,
                   activations: int8GEMMs ? .dynamic : .none)
        }
        let u = TensorSpec(dtype: int8GEMMs ? .i8 : .f32, shape: Shape([outFeatures, r]))
        let v = TensorSpec(dtype: int8GEMMs ? .i8 : .f32, shape: Shape([r, inFeatures]))
        let factored = int8GEMMs
            ? linear(.lowRankInt8(u: u, uScales: TensorSpec(dtype: .f32, shape: Shape([outFeatures])),
                                  v: v, vScales: TensorSpec(dtype: .f32, shape: Shape([r]))))
            : linear(.lowRank(u: u, v: v))
        let dense = int8GEMMs
            ? linear(.int8(values: i8, scales: TensorSpec(dtype: .f32, shape: Shape([outFeatures]))))
            : linear(.dense(f32))
        return CostModel.runtimeCost(factored, tokens: tokens, rates: rates)
            / max(CostModel.runtimeCost(dense, tokens: tokens, rates: rates), 1e-9)
    }

    /// The smallest rank at which the factorization stops paying (ratio ≥ 1): every rank below
    /// it is predicted faster than the dense weight. nil when even rank 1 is not faster.
    public static func breakEvenRank(inFeatures: Int, outFeatures: Int, int8GEMMs: Bool = false, tokens: Int,
                                     rates: KernelRates) -> Int? {
        let full = min(inFeatures, outFeatures)
        func pays(_ r: Int) -> Bool {
            ratio(rank: r, inFeatures: inFeatures, outFeatures: outFeatures, int8GEMMs: int8GEMMs, tokens: tokens, rates: rates) < 1
        }
        guard pays(1) else { return nil }
        // The ratio grows with r: binary search for the first rank that does not pay.
        var low = 1, high = full + 1
        while low + 1 < high {
            let mid = (low + high) / 2
            if pays(mid) { low = mid } else { high = mid }
        }
        return high
    }
}
