/// A word-vector elimination profile (ACC-SPEC §4–§6): measured ACC per layer, the fitted curve,
/// the elimination profile EP, and the λ a deployment may choose. Stored in the artifact; the
/// runtime turns (λ, EP) into per-layer token counts, the report into predicted speedups.
public struct EliminationProfile: Codable, Sendable, Equatable {
    /// Which tokens are never eliminated.
    public enum Protection: String, Codable, Sendable {
        /// Encoder classifiers keep [CLS] (index 0).
        case first
        /// Causal LMs keep the last valid token (the next-token logits need it).
        case last
        case none
    }

    /// What happens to the word-vectors a layer eliminates.
    public enum Mode: String, Codable, Sendable, CaseIterable {
        /// Discarded (ACC-SPEC §2, the LAT paper): later layers never see them.
        case drop
        /// Merged into their most similar kept token as a size-weighted average (Bolya et al.,
        /// "Token Merging", ICLR 2023): what they carried stays in the representation, and
        /// proportional attention and size-weighted pooling let a merged token weigh what its
        /// members weighed. Same token counts, so the same speedup as `drop`, less the matching.
        case merge
        /// `merge`, then each merged row rescaled to its members' size-weighted mean norm
        /// (ToFu's MLERP, Kim et al., WACV 2024): x_a ← m·(Σ s_r‖x_r‖ / Σ s_r)/‖m‖ for the mean m,
        /// so averaging dissimilar rows does not shrink the merged token's magnitude.
        case mlerp

        /// Whether eliminated tokens are merged into kept ones (`merge`, `mlerp`).
        public var merges: Bool { self != .drop }
    }

    /// Which N_l tokens a layer keeps. ACC decides how many either way.
    public enum Keep: String, Codable, Sendable, CaseIterable {
        /// The N_l highest ACC scores (ACC-SPEC §2).
        case acc
        /// ACC's score discounted by redundancy, sv_i·(1 − E_i), with E_i = mean_{j≠i} cos(x_i, x_j)
        /// of the hidden states (PiToMe's energy, Tran et al., NeurIPS 2024, in its plainest
        /// form): a token like many others gives way to an isolated one of the same score.
        case accEnergy = "acc-energy"
        /// The N_l least redundant tokens, −E_i: which tokens stay is chosen by content alone.
        case energy

        /// Whether the hidden states' pairwise cosines are needed (an n×n GEMM per layer).
        public var needsEnergy: Bool { self != .acc }
    }

    /// How α·N becomes an integer (ACC-SPEC §5, Eq. 3).
    public enum Rounding: String, Codable, Sendable {
        case floor, round, ceil
    }

    /// ACC_l for l = 1…L (acc[0] is layer 1).
    public var acc: [Double]
    public var fit: CurveFit
    /// EP_l for l = 1…L.
    public var ep: [Double]
    /// l*, the first layer where the fitted curve rises (the profile halts there); nil if it never rises.
    public var haltLayer: Int?
    public var protection: Protection
    public var rounding: Rounding
    /// λ used when a deployment does not choose one.
    public var defaultLambda: Double
    /// λ ≥ this eliminates nothing (1 / min EP).
    public var identityLambda: Double
    /// β of the linear speedup model, Eq. (4): the share of a layer's FLOPs before Eliminate.
    public var beta: Double
    /// What the runtime does with eliminated tokens unless told otherwise at load time.
    public var mode: Mode = .drop
    /// When the default λ was chosen for a fidelity floor: what was measured at it.
    public var fidelity: Fidelity?
    /// Which tokens a layer keeps; nil (profiles before the choice existed) is `acc`.
    public var keep: Keep?

    /// A fidelity measured on the calibration samples against the model without elimination.
    public struct Fidelity: Codable, Sendable, Equatable {
        public enum Metric: String, Codable, Sendable {
            /// Mean cosine of mean-pooled sentence embeddings (encoders).
            case cosine
            /// Share of samples whose greedy next token agrees (decoders).
            case agreement
        }

        public var metric: Metric
        /// The value at the default λ, in the profile's mode: on the held-out samples when
        /// there are any, else on the samples λ was chosen on.
        public var value: Double
        /// The floor asked for (`min-fidelity`).
        public var floor: Double
        /// How many calibration samples λ was chosen on (the profile fitted on them too), and how
        /// many held out to check the floor, with the value on the chosen-on samples; nil in
        /// profiles from before the split (checked on the samples it was chosen on).
        public var chosenOn: Int?
        public var heldOut: Int?
        public var chosenOnValue: Double?

        public init(metric: Metric, value: Double, floor: Double, chosenOn: Int? = nil, heldOut: Int? = nil,
                    chosenOnValue: Double? = nil) {
            self.metric = metric
            self.value = value
            self.floor = floor
            self.chosenOn = chosenOn
            self.heldOut = heldOut
            self.chosenOnValue = chosenOnValue
        }

        /// Whether the floor holds where it was checked.
        public var holds: Bool { value >= floor }
    }

    /// Builds EP from ACC by Eq. (2): EP₁ = 1, EP_l = min(1, f(l)/f(l−1)) until the fit first
    /// rises at l*, then 1 for good; a fit driven to ≤ ε gives 1.
    public init(acc: [Double], fit kind: CurveFit.Kind = .quadratic, protection: Protection,
                rounding: Rounding = .floor, defaultLambda: Double = 1, beta: Double = 0.25) {
        self.acc = acc
        let fit = CurveFit.fit(acc, kind: kind)
        self.fit = fit
        var ep = [Double](repeating: 1, count: acc.count)
        var halt: Int?
        for l in stride(from: 2, through: acc.count, by: 1) {
            let previous = fit.value(at: l - 1), current = fit.value(at: l)
            if current > previous {
                halt = l
                break
            }
            ep[l - 1] = previous <= 1e-9 ? 1 : min(1, current / previous)
        }
        self.ep = ep
        haltLayer = halt
        self.protection = protection
        self.rounding = rounding
        self.defaultLambda = defaultLambda
        identityLambda = 1 / max(ep.min() ?? 1, 1e-9)
        self.beta = beta
    }

    public var layerCount: Int { ep.count }

    /// Eq. (1): α_l = min(1, λ·EP_l).
    public func alpha(lambda: Double) -> [Double] {
        ep.map { min(1, lambda * $0) }
    }

    /// Eq. (3): N_0 = n valid tokens, N_l = max(m, ⌊α_l · N_{l−1} + 1e-9⌋), m = max(1, protected);
    /// a layer whose input has ≤ m tokens keeps them all (§8.1). Returns N_0…N_L.
    public func keptCounts(tokens n: Int, lambda: Double) -> [Int] {
        let m = 1  // max(1, #protected): at most one token is protected
        var counts = [n]
        for a in alpha(lambda: lambda) {
            let previous = counts.last!
            guard previous > m else { counts.append(previous); continue }
            let exact = a * Double(previous)
            let rounded: Int
            switch rounding {
            case .floor: rounded = Int((exact + 1e-9).rounded(.down))
            case .round: rounded = Int(exact.rounded(.toNearestOrAwayFromZero))
            case .ceil: rounded = Int((exact - 1e-9).rounded(.up))
            }
            counts.append(min(previous, max(m, rounded)))
        }
        return counts
    }

    /// Eqs. (4)–(6) with integer counts: S = L·N_0 / Σ_l (β·N_{l−1} + (1−β)·N_l).
    public func linearSpeedup(tokens n: Int, lambda: Double) -> Double {
        let counts = keptCounts(tokens: n, lambda: lambda).map(Double.init)
        let work = (1..<counts.count).reduce(0.0) { $0 + beta * counts[$1 - 1] + (1 - beta) * counts[$1] }
        return Double(layerCount) * counts[0] / work
    }

    /// The continuous form of Eq. (6): E/N_0 = Σ_l [β Π_{i<l} α_i + (1−β) Π_{i≤l} α_i].
    public func continuousSpeedup(lambda: Double) -> Double {
        var kept = 1.0, work = 0.0
        for a in alpha(lambda: lambda) {
            work += beta * kept
            kept *= a
            work += (1 - beta) * kept
        }
        return Double(layerCount) / work
    }

    /// Eq. (7), the closed form for one constant α over L layers:
    /// S = L(1−α) / ((β + (1−β)α)(1 − α^L)); S = 1 at α = 1.
    public static func closedFormSpeedup(alpha a: Double, layers: Int, beta: Double = 0.25) -> Double {
        guard a < 1 else { return 1 }
        var power = 1.0
        for _ in 0..<layers { power *= a }
        return Double(layers) * (1 - a) / ((beta + (1 - beta) * a) * (1 - power))
    }

    /// The λ whose continuous speedup is `target`, by bisection on (0, 1/min EP]
    /// (S(λ) never increases with λ); nil when the target is below 1 or unreachable.
    public func lambda(forSpeedup target: Double, tolerance: Double = 1e-9) -> Double? {
        guard target >= 1 else { return nil }
        var low = 1e-6, high = identityLambda
        guard continuousSpeedup(lambda: low) >= target else { return nil }
        while high - low > tolerance {
            let mid = (low + high) / 2
            if continuousSpeedup(lambda: mid) >= target { low = mid } else { high = mid }
        }
        return low
    }
}

extension EliminationProfile {
    enum CodingKeys: String, CodingKey {
        case acc, fit, ep, haltLayer, protection, rounding, defaultLambda, identityLambda, beta, mode, fidelity, keep
    }

    /// `mode` is absent from profiles written before merging existed: they dropped tokens.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        acc = try c.decode([Double].self, forKey: .acc)
        fit = try c.decode(CurveFit.self, forKey: .fit)
        ep = try c.decode([Double].self, forKey: .ep)
        haltLayer = try c.decodeIfPresent(Int.self, forKey: .haltLayer)
        protection = try c.decode(Protection.self, forKey: .protection)
        rounding = try c.decode(Rounding.self, forKey: .rounding)
        defaultLambda = try c.decode(Double.self, forKey: .defaultLambda)
        identityLambda = try c.decode(Double.self, forKey: .identityLambda)
        beta = try c.decode(Double.self, forKey: .beta)
        mode = try c.decodeIfPresent(Mode.self, forKey: .mode) ?? .drop
        fidelity = try c.decodeIfPresent(Fidelity.self, forKey: .fidelity)
        keep = try c.decodeIfPresent(Keep.self, forKey: .keep)
    }
}
