import CLAPACK

/// Householder QR, A = Q·R, through LAPACK (`sgeqrf` then `sorgqr`).
public enum QR {
    /// Replaces A [m, k] (m ≥ k) by Q [m, k], the orthonormal basis of its column space from
    /// A = Q·R. The buffer is column-major (column j at j·m ..< (j+1)·m), which is Aᵀ [k, m]
    /// row-major: sketches stored as rows (Yᵀ = Ωᵀ·Wᵀ) are orthonormalized without a transpose.
    /// Q has orthonormal columns even when A is rank-deficient.
    public static func orthonormalizeColumns(_ a: inout [Float], rows m: Int, columns k: Int) throws(KernelError) {
        precondition(a.count == m * k && m >= k && k > 0, "QR: \(a.count) values for a \(m)×\(k) matrix with m ≥ k ≥ 1")
        var tau = [Float](repeating: 0, count: k)
        var info = LAPACKE_sgeqrf(LAPACK_COL_MAJOR, Int32(m), Int32(k), &a, Int32(m), &tau)
        if info == 0 { info = LAPACKE_sorgqr(LAPACK_COL_MAJOR, Int32(m), Int32(k), Int32(k), &a, Int32(m), &tau) }
        guard info == 0 else { throw .qrFailed(rows: m, columns: k, info: Int(info)) }
    }
}
