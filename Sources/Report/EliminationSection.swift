import ModelIR

/// Token elimination (ACC-SPEC §4–§6), present when the model carries an elimination profile:
/// the measured ACC and its fitted curve, EP, and the tokens kept, FLOPs and predicted speedup
/// at the chosen λ and over a λ sweep. Token counts are per sample; N_0 is the workload's
/// sequence length.
public struct EliminationSection: Codable, Sendable, Equatable {
    /// One point of the λ sweep.
    public struct Point: Codable, Sendable, Equatable {
        public var lambda: Double
        /// N_l, tokens leaving block l, for l = 1 … L.
        public var tokensKept: [Int]
        /// FLOPs of the whole model for the workload with these token counts.
        public var flops: Int
        /// Σ_l FLOPs_l(N_0, N_0) / Σ_l FLOPs_l(N_{l−1}, N_l) over the blocks, Eq. 4'.
        public var speedup: Double
        /// The whole model's runtime cost in full / eliminating at this λ: what `pare bench
        /// --lambda` measures beside the full model.
        public var runtimeSpeedup: Double = 1

        public init(lambda: Double, tokensKept: [Int], flops: Int, speedup: Double, runtimeSpeedup: Double = 1) {
            self.lambda = lambda
            self.tokensKept = tokensKept
            self.flops = flops
            self.speedup = speedup
            self.runtimeSpeedup = runtimeSpeedup
        }
    }

    /// The fitted curve's kind (`quadratic`, …).
    public var fit: String
    /// ACC_l, l = 1 … L, as measured.
    public var acc: [Double]
    /// f(l), the fitted curve.
    public var fitted: [Double]
    /// EP_l (Eq. 2).
    public var ep: [Double]
    /// l*, the layer where the fitted curve first rises; nil if it never does.
    public var haltLayer: Int?
    public var defaultLambda: Double
    /// λ at and above which nothing is eliminated (1 / min EP).
    public var identityLambda: Double
    /// The chosen operating point.
    public var chosen: Point
    /// The 25/75 linear model of Eq. 6 (continuous counts) at the chosen λ: an approximation of
    /// `chosen.speedup` within a few percent.
    public var modelSpeedup: Double
    /// λ → kept tokens, FLOPs, speedup, ascending in λ.
    public var sweep: [Point]
    /// `drop` or `merge`: what eliminated tokens become; the sweep's FLOPs count merging's matching.
    public var mode: String = "drop"
    /// When the default λ was chosen for a fidelity floor: what was measured there.
    public var fidelity: EliminationProfile.Fidelity?

    /// The λ values of the sweep: a fixed grid up to the identity λ, plus the default and chosen λ.
    static let grid = [0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0, 1.1, 1.2, 1.3, 1.5, 2.0]

    init(_ p: EliminationProfile, skeleton: Skeleton, workload: Workload, lambda: Double?, rates: KernelRates) {
        let n = workload.sequenceLength
        let round = { (x: Double) in NumberFormat.rounded(x, 4) }
        let full = CostModel.flops(skeleton, workload: workload)
        let outside = full.embeddings + full.head
        let fullRuntime = CostModel.cost(skeleton, workload: workload, pricing: .runtime(rates)).total
        func point(_ lambda: Double) -> Point {
            let counts = p.keptCounts(tokens: n, lambda: lambda)
            let blocks = CostModel.blockFLOPs(skeleton, counts: counts).reduce(0) { $0 + $1.total } * workload.batch
            let runtime = CostModel.cost(skeleton, counts: [[Int]](repeating: counts, count: workload.batch), pricing: .runtime(rates))
            return Point(lambda: round(lambda), tokensKept: Array(counts.dropFirst()), flops: outside + blocks,
                         speedup: round(CostModel.eliminationSpeedup(skeleton, profile: p, tokens: n, lambda: lambda)),
                         runtimeSpeedup: round(Double(fullRuntime) / Double(max(runtime, 1))))
        }
        let chosenLambda = lambda ?? p.defaultLambda
        fit = p.fit.kind.rawValue
        acc = p.acc.map { round($0) }
        fitted = (1...max(1, p.layerCount)).prefix(p.layerCount).map { round(p.fit.value(at: $0)) }
        ep = p.ep.map { round($0) }
        haltLayer = p.haltLayer
        defaultLambda = round(p.defaultLambda)
        identityLambda = round(p.identityLambda)
        chosen = point(chosenLambda)
        modelSpeedup = round(p.continuousSpeedup(lambda: chosenLambda))
        // Computed at the exact λ (the identity λ rounded down would keep one token fewer), shown rounded.
        var exact: [Double: Double] = [:]
        for l in Self.grid.filter({ $0 < p.identityLambda }) + [p.defaultLambda, chosenLambda, p.identityLambda] {
            exact[round(l)] = exact[round(l)] ?? l
        }
        sweep = exact.keys.sorted().map { point(exact[$0]!) }
        mode = p.mode.rawValue
        fidelity = p.fidelity.map {
            .init(metric: $0.metric, value: round($0.value), floor: $0.floor, chosenOn: $0.chosenOn, heldOut: $0.heldOut,
                  chosenOnValue: $0.chosenOnValue.map(round))
        }
    }
}
