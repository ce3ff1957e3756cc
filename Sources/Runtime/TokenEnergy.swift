import Kernels
import ModelIR

/// Redundancy of a sample's tokens for `EliminationProfile.Keep`: the energy
/// E_i = (1/(n−1)) Σ_{j≠i} cos(x_i, x_j) of each hidden state among the sample's n rows (after
/// PiToMe, Tran et al., NeurIPS 2024, without its margin function). High energy: a token much like
/// the others, whose content survives in them; low: an isolated one.
enum TokenEnergy {
    /// E_i for i < n, from one GEMM of the unit rows [n, width] × [width, n]; 0 for a lone token.
    static func energy(_ vectors: TokenMerging.Rows, count n: Int) -> [Float] {
        guard n > 1 else { return [Float](repeating: 0, count: n) }
        let unit = TokenMerging.normalized(vectors, count: n)
        let cosines = GEMM.multiply(unit, unit, m: n, n: n, k: vectors.width, transposeB: true)
        return (0..<n).map { i in
            var sum: Float = 0
            for j in 0..<n where j != i { sum += cosines[i * n + j] }
            return sum / Float(n - 1)
        }
    }

    /// The score a layer ranks its tokens by: sv_i·(1 − E_i) (`acc-energy`), −E_i (`energy`), sv_i (`acc`).
    static func score(_ sv: [Float], energy: [Float], keep: EliminationProfile.Keep) -> [Float] {
        switch keep {
        case .acc: sv
        case .accEnergy: zip(sv, energy).map { $0 * (1 - $1) }
        case .energy: energy.map { -$0 }
        }
    }
}
