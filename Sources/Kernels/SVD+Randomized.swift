import TensorCore

extension SVD {
    /// The rank-r truncated SVD A ≈ U_r·diag(σ_r)·V_rᵀ of A [m, n] by randomized subspace
    /// iteration (Halko, Martinsson & Tropp 2011, Algorithms 4.4 and 5.1), with l = min(r + p, m, n):
    ///
    ///     Ω [n, l] Gaussian (SplitMix64 from `seed`), Y = A·Ω [m, l]
    ///     q times: Q = orth(Y), Q̃ = orth(Aᵀ·Q) [n, l], Y = A·Q̃      (QR after every product)
    ///     Q = orth(Y), B = Qᵀ·A [l, n] = Û·diag(σ)·Vᵀ, U = Q·Û
    ///
    /// Each power iteration multiplies the sketch by (A·Aᵀ), so the error
    /// ‖A − U_r Σ_r V_rᵀ‖_F approaches the Eckart–Young bound √Σ_{i>r} σᵢ² as the spectrum
    /// decays. Costs O(m·n·l·(2q + 2)) instead of the full SVD's O(m·n·min(m, n)).
    ///
    /// The sketch is kept transposed (Yᵀ [l, m], Q̃ᵀ [l, n], i.e. the column-major Y and Q̃ that
    /// `QR` takes), so every product is A or Aᵀ on the right and A is read as it is. The BLAS
    /// calls run on one OpenBLAS thread, so the same (A, r, p, q, seed) give the same bits on any
    /// machine with the same OpenBLAS kernel.
    public static func randomized(_ a: [Float], rows m: Int, columns n: Int, rank r: Int,
                                  oversampling p: Int, powerIterations q: Int, seed: UInt64) throws(KernelError) -> SVD {
        precondition(a.count == m * n, "SVD: \(a.count) values for a \(m)×\(n) matrix")
        precondition(r >= 1 && r <= min(m, n) && p >= 0 && q >= 0, "SVD.randomized: rank \(r) of a \(m)×\(n) matrix, p \(p), q \(q)")
        let l = min(r + p, m, n)
        var generator = SplitMix64(seed: seed)
        let omegaT = (0..<(l * n)).map { _ in generator.normal() }
        return try BLASThreads.withCount(1) { () throws(KernelError) -> SVD in
            var yT = GEMM.multiply(omegaT, a, m: l, n: m, k: n, transposeB: true)           // Yᵀ = Ωᵀ·Aᵀ
            for _ in 0..<q {
                try QR.orthonormalizeColumns(&yT, rows: m, columns: l)
                var zT = GEMM.multiply(yT, a, m: l, n: n, k: m)                           // (Aᵀ·Q)ᵀ = Qᵀ·A
                try QR.orthonormalizeColumns(&zT, rows: n, columns: l)
                yT = GEMM.multiply(zT, a, m: l, n: m, k: n, transposeB: true)             // Yᵀ = Q̃ᵀ·Aᵀ
            }
            try QR.orthonormalizeColumns(&yT, rows: m, columns: l)                        // Qᵀ [l, m]
            let small = try SVD(GEMM.multiply(yT, a, m: l, n: n, k: m), rows: l, columns: n) // B = Qᵀ·A
            // U_rᵀ = Û[:, :r]ᵀ·Qᵀ [r, m]; Û is [l, l].
            var uHatT = [Float](repeating: 0, count: r * l)
            for i in 0..<r { for j in 0..<l { uHatT[i * l + j] = small.u[j * l + i] } }
            let uT = GEMM.multiply(uHatT, yT, m: r, n: m, k: l)
            var u = [Float](repeating: 0, count: m * r)
            for i in 0..<r { for o in 0..<m { u[o * r + i] = uT[i * m + o] } }
            return SVD(u: u, singularValues: Array(small.singularValues[..<r]), vt: Array(small.vt[..<(r * n)]), rows: m, columns: n)
        }
    }
}
