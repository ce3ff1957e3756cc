extension HeadPrune {
    public struct Options: PassOptions {
        public var heads: [String]?
        public var fraction: Double?
        public var globalFraction: Double?
        /// What ranks the heads for `fraction` and `global-fraction` (ignored with `heads`).
        public var score: Score = .contribution
        /// How W_O [d, h·d_h] makes up for the context columns cols(h) of the removed heads (see
        /// `Reconstruction`; its input is the concatenated head context C [tokens, h·d_h]): `bias`,
        /// FLAP's compensation b_O += W_O[:, cols(h)]·μ[cols(h)] with μ = E[C] (the default);
        /// `none`, exactly transformers' `prune_heads`; or `least-squares`, a damped refit of the
        /// kept columns on the calibration contexts' covariance with the same mean correction. Any
        /// but `none` reads calibration text, with an explicit `heads` list too. Unset, it follows
        /// `bias-compensation`; the canonical step always spells it out.
        public var reconstruction: Reconstruction?
        /// The older spelling of `reconstruction`: `false` is `none`, `true` is `bias`. A recipe
        /// may give both only when they agree on whether the removed heads are made up for
        /// (`true` with `bias` or `least-squares`, which keeps the mean output too; `false` with
        /// `none`); otherwise it is an error.
        public var biasCompensation: Bool?
        /// δ of the least-squares refit: C_KK + δ·mean(diag C_KK)·I, δ ≥ 0; larger values keep
        /// the kept columns of W_O closer to what they were (δ → ∞ is `bias`). 0.3 by default:
        /// on all-MiniLM-L6-v2 with the 64 default calibration samples, tuned on lines 129–256 of
        /// examples/calibration/default.txt (`pare eval --data`, mean embedding cosine), δ in
        /// 0.3–1 beat `bias` at fraction 0.25 (0.965 vs 0.946), global-fraction 0.25 (0.986 vs
        /// 0.979) and fraction 0.5 (0.904 vs 0.868), where ffn-prune's 0.01 overfits (0.948, 0.985, 0.874).
        public var damping: Double = 0.3

        /// What `reconstruction` and `bias-compensation` ask for together; `reconstruction` wins
        /// when options built in code disagree (a recipe cannot give such a pair, see `validate`).
        var resolvedReconstruction: Reconstruction {
            reconstruction ?? (biasCompensation == false ? .none : .bias)
        }

        public init() {}

        public func validate() throws(PassError) {
            guard [heads != nil, fraction != nil, globalFraction != nil].filter({ $0 }).count == 1 else {
                throw .invalidValue(key: "heads", value: "\([heads != nil, fraction != nil, globalFraction != nil].filter { $0 }.count) of heads, fraction, global-fraction",
                                    expected: "exactly one of them")
            }
            for f in [fraction, globalFraction].compactMap({ $0 }) where !(f > 0 && f < 1) {
                throw .invalidValue(key: fraction != nil ? "fraction" : "global-fraction", value: "\(f)", expected: "a number in (0, 1)")
            }
            for item in heads ?? [] where Self.parse(item) == nil {
                throw .invalidValue(key: "heads", value: item, expected: "entries like \"3:7\" (layer:head)")
            }
            if let compensate = biasCompensation, let reconstruction, compensate != (reconstruction != .none) {
                throw .invalidValue(key: "bias-compensation", value: "\(compensate) with reconstruction=\(reconstruction.rawValue)",
                                    expected: "reconstruction alone (bias-compensation is its older spelling: false is reconstruction=none, true is reconstruction=bias)")
            }
            try Reconstruction.validate(damping: damping)
        }

        static func parse(_ item: String) -> (layer: Int, head: Int)? {
            let parts = item.split(separator: ":")
            guard parts.count == 2, let l = Int(parts[0]), let h = Int(parts[1]), l >= 0, h >= 0 else { return nil }
            return (l, h)
        }
    }

    /// How a head h of a layer is scored on the calibration tokens, C_h [tokens, d_h] its context
    /// and W_O,h = W_O[:, cols(h)] [d, d_h]:
    /// - `contribution`: E_t ‖C_h[t]·W_O,hᵀ‖₂, the mean size of its output;
    /// - `fluctuation` (FLAP): Σ_{j ∈ cols(h)} Var_t(C[t, j])·‖W_O[:, j]‖₂², what bias
    ///   compensation cannot restore (it restores the mean).
    ///
    /// On all-MiniLM-L6-v2 with compensation they tie on average (mean cosine over fraction 0.17,
    /// 0.25, 0.5 and global-fraction 0.25, 0.5: 0.9286 vs 0.9287). Fluctuation wins light
    /// per-layer pruning (fraction 0.17: 0.967 vs 0.958; 0.25: 0.942 vs 0.939); contribution wins
    /// global-fraction 0.25 (0.978 vs 0.970) and, by far, runs without compensation (0.931 vs
    /// 0.921), so it stays the default.
    public enum Score: String, Codable, Sendable, ChoiceOption {
        case contribution
        case fluctuation
    }
}
