import ModelIR
import Runtime

/// Algorithm 1 of ACC-SPEC §3 on one sample at one layer (every token valid: the runtime packs
/// samples without padding).
public enum ScoreVector {
    /// SV_j = Σ_i P̄_ij with P̄ = (1/H) Σ_h P_h (column sum of the head-mean attention, the
    /// attention token j receives); for causal attention Eq. (8) divides by the number of queries
    /// that can see j, nnz_j = n − j (0-based).
    public static func scores(_ p: AttentionProbabilities, causal: Bool) -> [Double] {
        let n = p.queries, k = p.keys, heads = p.heads
        var sv = [Double](repeating: 0, count: k)
        p.values.withUnsafeBufferPointer { v in
            for h in 0..<heads {
                for i in 0..<n {
                    let row = (h * n + i) * k
                    for j in 0..<k { sv[j] += Double(v[row + j]) }
                }
            }
        }
        for j in 0..<k {
            sv[j] /= Double(heads)
            if causal { sv[j] /= Double(max(1, n - j)) }
        }
        return sv
    }

    /// ACC(sample) = median of SV over the unprotected tokens (Eq. A5); nil when none is left.
    public static func acc(_ sv: [Double], protection: EliminationProfile.Protection) -> Double? {
        var values = sv
        switch protection {
        case .first: values = Array(values.dropFirst())
        case .last: values = Array(values.dropLast())
        case .none: break
        }
        return median(values)
    }

    static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let s = values.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}
