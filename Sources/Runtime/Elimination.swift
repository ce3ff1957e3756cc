import ModelIR

/// Token elimination at run time (ACC-SPEC §2): after the heads are concatenated and before
/// W_O, each sample keeps its N_l highest-scoring word-vectors (protected token forced), in
/// their original order; the residual stream and every later layer see only those. In `merge`
/// mode the others are first averaged into their most similar kept token (`TokenMerging`).
public struct Elimination: Sendable, Equatable {
    public var profile: EliminationProfile
    /// λ, the speedup coefficient the deployment chose.
    public var lambda: Double
    /// Drop or merge; the profile's own mode unless the deployment overrides it.
    public var mode: EliminationProfile.Mode

    public init(profile: EliminationProfile, lambda: Double, mode: EliminationProfile.Mode? = nil) {
        self.profile = profile
        self.lambda = lambda
        self.mode = mode ?? profile.mode
    }

    /// Kept indices (ascending) of a sample with score vector `sv`: the `count` largest scores,
    /// the protected token first (its score counts as +∞), ties to the lower index (stable).
    public static func keep(_ sv: [Float], count: Int, protection: EliminationProfile.Protection) -> [Int] {
        let n = sv.count
        guard count < n else { return Array(0..<n) }
        let forced: Int? = switch protection {
        case .first: 0
        case .last: n - 1
        case .none: nil
        }
        let order = (0..<n).sorted { a, b in
            if a == forced { return b != forced }
            if b == forced { return false }
            return sv[a] > sv[b] || (sv[a] == sv[b] && a < b)
        }
        return order.prefix(count).sorted()
    }
}
