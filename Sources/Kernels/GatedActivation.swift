/// The gated MLP's middle (SwiGLU and kin): h = act(g) ⊙ u, where one GEMM computed
/// [g | u] = x·[W_gate; W_up]ᵀ side by side.
public enum GatedActivation {
    /// h [rows, width] = act(gu[:, 0..<width]) ⊙ gu[:, width..<2·width] for gu [rows, 2·width];
    /// act is applied in place to the first half of gu (which is scratch afterwards). Each
    /// element sees the arithmetic of `Activations` then one product.
    public static func apply(_ gu: UnsafeMutablePointer<Float>, rows: Int, width: Int, activation: Activations.Kind,
                             into h: UnsafeMutablePointer<Float>) {
        nonisolated(unsafe) let (gu, h) = (gu, h)
        RowParallel.forEach(rows: rows, elementsPerRow: width) { range in
            for r in range {
                let g = gu + r * 2 * width, u = g + width, out = h + r * width
                Activations.biasAndActivateSerially(g, rows: 1, columns: width, ldy: width, bias: nil, activation: activation)
                for i in 0..<width { out[i] = g[i] * u[i] }
            }
        }
    }
}
