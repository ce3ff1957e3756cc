extension EncoderOutput {
    /// cos(a, b) in Double: how `pare eval` and `min-fidelity` compare sentence embeddings.
    public static func cosine(_ a: [Float], _ b: [Float]) -> Double {
        var dot = 0.0, na = 0.0, nb = 0.0
        for (x, y) in zip(a, b) { dot += Double(x) * Double(y); na += Double(x) * Double(x); nb += Double(y) * Double(y) }
        return dot / max((na * nb).squareRoot(), 1e-30)
    }

    /// sentence-transformers' embedding (MiniLM's `1_Pooling` mean mode + `Normalize`):
    /// e_b = m / ‖m‖₂ with m = (1/n_b) Σ_i h_b[i], the mean over the sample's valid tokens.
    /// After token merging the mean is size-weighted, m = Σ_i s_i·h_b[i] / Σ_i s_i, so a merged row
    /// counts as the tokens it stands for.
    public func sentenceEmbeddings() -> [[Float]] {
        let d = hiddenSize
        return lengths.indices.map { b in
            let h = hidden(sample: b)
            var mean = [Double](repeating: 0, count: d)
            let weights = sizes?[b]
            for (i, v) in h.enumerated() { mean[i % d] += Double(weights?[i / d] ?? 1) * Double(v) }
            let n = weights.map { $0.reduce(0.0) { $0 + Double($1) } } ?? Double(lengths[b])
            mean = mean.map { $0 / n }
            let norm = max(mean.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
            return mean.map { Float($0 / norm) }
        }
    }
}
