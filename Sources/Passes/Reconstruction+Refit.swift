import Calibration
import Kernels
import ModelIR
import TensorCore

extension Reconstruction {
    /// W [d, n] and b [d] of `linear` restricted to the kept input columns K (k of them, ascending),
    /// made up for the removed ones R from the statistics of its inputs x [t, n]:
    ///
    ///     none:           W' = W[:, K],  b' = b
    ///     bias:           W' = W[:, K],  b' = b + W[:, R]·μ_R
    ///     least-squares:  W'ᵀ = W[:, K]ᵀ + (C_KK + δ·mean(diag C_KK)·I)⁻¹ · C_KR · W[:, R]ᵀ    [k, d]
    ///                     b' = b + W·μ − W'·μ_K
    ///
    /// μ = E_t[x] [n], C = XᵀX/t − μμᵀ [n, n] the covariance of x (from the Gram matrix XᵀX,
    /// which least-squares needs in `inputs`). The refit minimises ‖x_K·W'ᵀ + b' − (x·Wᵀ + b)‖²
    /// over the tokens + δ·t·‖W' − W[:, K]‖²: at δ = 0 the affine least-squares fit of the full
    /// output from x_K, (C_KK)⁻¹·C_K·Wᵀ; the damping pulls towards the kept columns as they are
    /// (δ → ∞ gives `bias`), not towards zero, so its error never exceeds `bias`'s. On
    /// all-MiniLM-L6-v2 (64 calibration samples, fewer tokens than MLP neurons) a ridge towards
    /// zero lost to `bias` in ffn-prune at fraction 0.25. The mean output is kept. Cholesky on
    /// one BLAS thread, the products and solves in `parts` fixed parts. A linear without a bias gets an f32 [d] one unless `none`. Returns the
    /// new linear, columns dropped, in W's dtype; errors name `pass` and `path`.
    /// The refit's products and solves run in this many fixed parts side by side (one BLAS
    /// thread each), so it uses every core and its bits still do not depend on how many there are.
    static let parts = 4

    func refit(_ linear: Linear<Tensor>, keeping kept: [Int], inputs: InputStatistics, damping: Double,
               pass: String, at path: LayerPath) throws(PassError) -> Linear<Tensor> {
        guard case let .dense(weight) = linear.weight else {
            throw .failed(pass: pass, reason: "\(path) is not a dense weight; run the pipeline's check first (it says how to fix the recipe)")
        }
        let d = linear.outFeatures, n = linear.inFeatures, k = kept.count, μ = inputs.means
        var shrunk = Linear(inFeatures: k, outFeatures: d, weight: .dense(HeadPrune.columns(weight, kept)), bias: linear.bias,
                            activations: linear.activations)
        switch self {
        case .none:
            return shrunk
        case .bias:
            var removed = DenseWeight.floats(linear)
            for o in 0..<d { for j in kept { removed[o * n + j] = 0 } }
            shrunk.bias = BiasCorrection.corrected(linear.bias, removed: removed, means: μ, outFeatures: d)
            return shrunk
        case .leastSquares:
            guard let gram = inputs.gram else {
                throw .failed(pass: pass, reason: "no Gram matrix of the calibration inputs of \(path)")
            }
            let w = DenseWeight.floats(linear), t = Double(max(inputs.rows, 1))
            let keptSet = Set(kept), removedColumns = (0..<n).filter { !keptSet.contains($0) }, r = removedColumns.count
            // C_KK [k, k] and C_KR [k, r], in Double then f32.
            var ckk = [Float](repeating: 0, count: k * k), ckr = [Float](repeating: 0, count: k * r)
            var diagonal = 0.0
            for (a, i) in kept.enumerated() {
                for (b, j) in kept.enumerated() { ckk[a * k + b] = Float(Double(gram[i * n + j]) / t - μ[i] * μ[j]) }
                for (b, j) in removedColumns.enumerated() { ckr[a * r + b] = Float(Double(gram[i * n + j]) / t - μ[i] * μ[j]) }
                diagonal += Double(ckk[a * k + a])
            }
            // W[:, R] [d, r].
            var wr = [Float](repeating: 0, count: d * r)
            for o in 0..<d { for (b, j) in removedColumns.enumerated() { wr[o * r + b] = w[o * n + j] } }
            let δ = Float(damping * diagonal / Double(max(k, 1)))
            let solution = try BLASThreads.withCount(1) { () throws(PassError) -> [Float] in
                let factor: Cholesky
                do throws(KernelError) { factor = try Cholesky(ckk, n: k, damping: δ) } catch {
                    throw .failed(pass: pass, reason: "\(path): the kept activations' covariance is singular (\(error)); raise damping (e.g. damping=0.1) or use reconstruction=bias")
                }
                // C_KR·W[:, R]ᵀ [k, d], then (C_KK + δI)⁻¹ of it = W'ᵀ − W[:, K]ᵀ.
                return factor.solve(GEMM.multiply(ckr, wr, m: k, n: d, k: r, transposeB: true, parts: Self.parts),
                                    columns: d, parts: Self.parts)
            }
            var refitted = [Float](repeating: 0, count: d * k)
            for (a, j) in kept.enumerated() { for o in 0..<d { refitted[o * k + a] = w[o * n + j] + solution[a * d + o] } }
            let b = linear.bias?.floats() ?? [Float](repeating: 0, count: d)
            let bias = (0..<d).map { o in
                var s = Double(b[o])
                for j in 0..<n { s += Double(w[o * n + j]) * μ[j] }
                for (a, j) in kept.enumerated() { s -= Double(refitted[o * k + a]) * μ[j] }
                return Float(s)
            }
            shrunk.weight = .dense(Tensor(refitted, shape: [d, k], dtype: weight.dtype))
            shrunk.bias = Tensor(bias, shape: [d], dtype: linear.bias?.dtype ?? .f32)
            return shrunk
        }
    }
}
