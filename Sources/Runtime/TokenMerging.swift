import Kernels

/// Merging eliminated tokens into kept ones (after Bolya et al., "Token Merging", ICLR 2023).
/// ACC's Sort still decides which N_l tokens of a sample stay, exactly as `drop` does; each of
/// the others then joins the kept token it is most similar to, and each group's rows become
/// their size-weighted mean, x_a ← Σ_{r∈G_a} s_r·x_r / Σ_{r∈G_a} s_r, with s_r the number of
/// original tokens row r stands for. The group's size is the sum.
///
/// Similarity is the cosine of the tokens' hidden states at the elimination point (the block's
/// input rows of the residual stream, [d]). ToMe matches on keys averaged over heads; on
/// all-MiniLM-L6-v2 the hidden states kept sentence embeddings closer (mean cosine on the
/// calibration text at λ = 0.9 / 1.0 / 1.1: hidden states 0.788 / 0.916 / 0.955, keys
/// 0.707 / 0.884 / 0.946, dropping 0.654 / 0.884 / 0.944), and so did matching the eliminated
/// tokens to ACC's kept ones rather than ToMe's bipartite matching choosing which tokens go
/// (0.775 / 0.912 / 0.961 on hidden states, with a larger spread). Ties go to the lower index.
/// The protected token ([CLS], a decoder's last token) neither merges nor absorbs others, so a
/// pooler or a next-token head reads it as attention left it.
enum TokenMerging {
    /// A segment's vectors: row t at `base + t·stride`, `width` floats.
    struct Rows {
        let base: UnsafePointer<Float>
        let stride: Int
        let width: Int
    }

    /// One sample's groups: for each kept index (in `kept` order), the sample's rows merged into
    /// it, itself first, then the others ascending. A removed row with no eligible target (only
    /// the protected token is kept) joins no group: it is dropped.
    static func groups(_ vectors: Rows, count n: Int, kept: [Int], protected: Int?) -> [[Int]] {
        var groups = kept.map { [$0] }
        let targets = kept.indices.filter { kept[$0] != protected }
        guard !targets.isEmpty, kept.count < n else { return groups }
        let width = vectors.width
        let unit = normalized(vectors, count: n)
        var isKept = [Bool](repeating: false, count: n)
        for i in kept { isKept[i] = true }
        let removed = (0..<n).filter { !isKept[$0] && $0 != protected }
        guard !removed.isEmpty else { return groups }
        // Cosines of every removed row with every target: one GEMM [r, width] × [width, t].
        func rows(_ indices: [Int]) -> [Float] { indices.flatMap { unit[($0 * width)..<($0 * width + width)] } }
        let similarity = GEMM.multiply(rows(removed), rows(targets.map { kept[$0] }), m: removed.count, n: targets.count,
                                       k: width, transposeB: true)
        for (r, j) in removed.enumerated() {
            var best = 0
            for t in 1..<targets.count where similarity[r * targets.count + t] > similarity[r * targets.count + best] { best = t }
            groups[targets[best]].append(j)
        }
        for a in groups.indices where groups[a].count > 2 { groups[a] = [groups[a][0]] + groups[a].dropFirst().sorted() }
        return groups
    }

    /// v_t / ‖v_t‖ for t < n, [n, width] (a zero row stays zero).
    static func normalized(_ vectors: Rows, count n: Int) -> [Float] {
        let width = vectors.width
        var unit = [Float](repeating: 0, count: n * width)
        for t in 0..<n {
            let row = vectors.base + t * vectors.stride
            var norm: Float = 0
            for c in 0..<width { norm += row[c] * row[c] }
            let inverse = norm > 0 ? 1 / norm.squareRoot() : 0
            for c in 0..<width { unit[t * width + c] = row[c] * inverse }
        }
        return unit
    }

    /// x[g₀] = m_g = Σ_{r∈g} s_r·x[r] / Σ_{r∈g} s_r for each group g (packed rows, g₀ the kept
    /// row) with more than one member, in place on a packed [·, width] matrix; with
    /// `preservingNorm` (MLERP), x[g₀] = m_g · (Σ_{r∈g} s_r‖x[r]‖ / Σ_{r∈g} s_r) / ‖m_g‖ (a zero
    /// mean stays zero). Only kept rows are written and they are never another group's member,
    /// so the order does not matter.
    static func average(_ x: UnsafeMutablePointer<Float>, width: Int, groups: [[Int]], sizes: [Float], preservingNorm: Bool = false) {
        var sum = [Double](repeating: 0, count: width)
        for g in groups where g.count > 1 {
            for c in 0..<width { sum[c] = 0 }
            var total = 0.0, norms = 0.0
            for r in g {
                let s = Double(sizes[r]), row = x + r * width
                total += s
                for c in 0..<width { sum[c] += s * Double(row[c]) }
                if preservingNorm { norms += s * (0..<width).reduce(0.0) { $0 + Double(row[$1]) * Double(row[$1]) }.squareRoot() }
            }
            var rescale = 1.0
            if preservingNorm {
                let meanNorm = (0..<width).reduce(0.0) { $0 + sum[$1] * sum[$1] }.squareRoot() / total
                if meanNorm > 0 { rescale = (norms / total) / meanNorm }
            }
            let out = x + g[0] * width
            for c in 0..<width { out[c] = Float(sum[c] / total * rescale) }
        }
    }
}
