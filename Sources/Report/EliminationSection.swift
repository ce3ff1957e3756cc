/// Token elimination at a chosen λ (ACC-SPEC §4–§6): the slot the report fills once an
/// elimination profile exists. Token counts are per sample; N_0 is the workload's sequence length.
public struct EliminationSection: Codable, Sendable, Equatable {
    /// One point of the λ sweep.
    public struct Point: Codable, Sendable, Equatable {
        public var lambda: Double
        /// N_l, tokens leaving block l, for l = 1 … L.
        public var tokensKept: [Int]
        /// FLOPs of the whole model for the workload with these token counts (ACC-SPEC Eq. 4').
        public var flops: Int
        /// Σ_l FLOPs_l(N_0, N_0) / Σ_l FLOPs_l(N_{l−1}, N_l), Eq. 4'.
        public var speedup: Double

        public init(lambda: Double, tokensKept: [Int], flops: Int, speedup: Double) {
            self.lambda = lambda
            self.tokensKept = tokensKept
            self.flops = flops
            self.speedup = speedup
        }
    }

    /// The chosen operating point.
    public var chosen: Point
    /// The closed form of Eq. 7 at the chosen λ, a ±3 % approximation of `chosen.speedup`.
    public var closedFormSpeedup: Double
    /// λ → kept tokens, FLOPs, speedup, ascending in λ.
    public var sweep: [Point]

    public init(chosen: Point, closedFormSpeedup: Double, sweep: [Point]) {
        self.chosen = chosen
        self.closedFormSpeedup = closedFormSpeedup
        self.sweep = sweep
    }
}
