import ModelIR

extension FFNPrune {
    public struct Options: PassOptions {
        /// The MLPs to prune, as `blocks.<i>.mlp` paths.
        public var select: LayerGlob = "blocks.*.mlp"
        /// f: each selected MLP loses ⌊f·n⌋ of its n neurons (before `keep-multiple` rounding), 0 ≤ f < 1.
        public var fraction: Double?
        /// g: the lowest-scoring ⌊g·N⌋ of the N neurons of all selected MLPs are removed, 0 ≤ g < 1.
        public var globalFraction: Double?
        /// What ranks the neurons (see `Score`).
        public var score: Score = .fluctuation
        /// How down makes up for the removed neurons (see `Reconstruction`): its input columns are
        /// the neurons h = act(up(x)).
        public var reconstruction: Reconstruction = .leastSquares
        /// δ of the least-squares refit: C_KK + δ·mean(diag C_KK)·I, δ ≥ 0; larger values keep
        /// the kept columns of down closer to what they were (δ → ∞ is `bias`).
        public var damping: Double = 0.01
        /// The kept width of each MLP is rounded to a multiple of this (at least one multiple),
        /// so dense GEMMs keep friendly shapes; 1 keeps exactly n − ⌊f·n⌋.
        public var keepMultiple: Int = 16

        public init() {}

        public func validate() throws(PassError) {
            let given = [fraction != nil, globalFraction != nil].filter { $0 }.count
            guard given == 1 else {
                throw .invalidValue(key: "fraction", value: given == 0 ? "neither of fraction, global-fraction" : "both fraction and global-fraction",
                                    expected: "exactly one of them: fraction (per MLP) or global-fraction (across the selected MLPs)")
            }
            if let f = fraction, !(f >= 0 && f < 1) {
                throw .invalidValue(key: "fraction", value: "\(f)", expected: "a number in [0, 1)")
            }
            if let g = globalFraction, !(g >= 0 && g < 1) {
                throw .invalidValue(key: "global-fraction", value: "\(g)", expected: "a number in [0, 1)")
            }
            try Reconstruction.validate(damping: damping)
            guard keepMultiple >= 1 else {
                throw .invalidValue(key: "keep-multiple", value: "\(keepMultiple)", expected: "an integer ≥ 1 (16 keeps GEMM-friendly widths; 1 keeps exact counts)")
            }
        }
    }

    /// How neuron j of an MLP is scored on the calibration tokens, h_j = act(up(x))_j the input
    /// of W_down [d, n] and w_j = W_down[:, j]:
    /// - `fluctuation` (FLAP): Var_t(h_j)·‖w_j‖₂², the part of its output the bias cannot restore;
    /// - `magnitude`: E_t|h_j|·‖w_j‖₂, the mean size of its output.
    public enum Score: String, Codable, Sendable, ChoiceOption {
        case fluctuation
        case magnitude
    }
}
