import Foundation

/// Attention's rates by sequence length n: the per-head products Q_h·K_hᵀ and P_h·V_h (n × n × d_h
/// and n × d_h × n, one small GEMM each) and the softmax over rows of n run far from sgemm's rate
/// at short lengths, where each call's fixed cost dominates, and nearer it at long ones.
/// Interpolated linearly in log₂ n on the log of the rate, clamped at both ends.
public struct AttentionRates: Codable, Sendable, Equatable {
    /// Ascending sequence lengths measured.
    public var tokens: [Int]
    /// In a `MachineProfile`: GFLOP/s of the two products at each length. In `KernelRates`:
    /// f32-GEMM FLOPs per FLOP (the unit rate P over that rate).
    public var gemm: [Double]
    /// In a `MachineProfile`: nanoseconds per probability. In `KernelRates`: f32-GEMM FLOPs per
    /// probability (t·P).
    public var softmax: [Double]

    public init(tokens: [Int], gemm: [Double], softmax: [Double]) {
        self.tokens = tokens
        self.gemm = gemm
        self.softmax = softmax
    }

    /// `values` at n tokens.
    public func value(_ values: [Double], tokens n: Int) -> Double {
        let (i0, i1, t) = GEMMRateTable.bracket(tokens, n)
        guard t > 0 else { return values[i0] }
        return Foundation.exp((1 - t) * Foundation.log(max(values[i0], 1e-12)) + t * Foundation.log(max(values[i1], 1e-12)))
    }

    /// What is wrong with the layout or figures, or nil.
    public var problem: String? {
        if tokens.isEmpty || tokens.contains(where: { $0 < 1 }) || zip(tokens, tokens.dropFirst()).contains(where: { $0 >= $1 }) {
            return "attention_by_tokens.tokens must be a non-empty ascending list of positive integers"
        }
        for (name, values) in [("gemm", gemm), ("softmax", softmax)] {
            if values.count != tokens.count { return "attention_by_tokens.\(name) has \(values.count) figures for \(tokens.count) lengths" }
            if let bad = values.first(where: { !($0 > 0 && $0.isFinite) }) {
                return "attention_by_tokens.\(name) holds \(bad); figures must be positive"
            }
        }
        return nil
    }
}
