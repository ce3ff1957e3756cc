#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Row softmax for attention scores S [rows, columns], in place:
/// P[i, j] = exp(S[i, j] − max_k S[i, k]) / Σ_k exp(S[i, k] − max_k S[i, k]) over the allowed keys.
/// Keys j ≥ `visible(i)` get probability 0 (a causal mask is `visible(i) = i + 1`).
public enum Softmax {
    public static func rows(_ s: UnsafeMutablePointer<Float>, rows: Int, columns: Int, causalOffset: Int? = nil) {
        for i in 0..<rows {
            let row = s + i * columns
            let visible = causalOffset.map { min(columns, i + $0 + 1) } ?? columns
            var maximum = -Float.infinity
            for j in 0..<visible { maximum = max(maximum, row[j]) }
            var sum: Float = 0
            for j in 0..<visible {
                let e = expf(row[j] - maximum)
                row[j] = e
                sum += e
            }
            let inverse = 1 / sum
            for j in 0..<visible { row[j] *= inverse }
            for j in visible..<columns { row[j] = 0 }
        }
    }
}
