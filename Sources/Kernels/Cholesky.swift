import CBLAS
import CLAPACK

/// A = L·Lᵀ for a symmetric positive-definite A [n, n] (row-major), L lower triangular.
public struct Cholesky: Sendable {
    /// L [n, n], zeros above the diagonal.
    public let lower: [Float]
    public let n: Int

    /// Factorizes A + δ·I; throws when A is not positive definite even with the damping δ.
    public init(_ a: [Float], n: Int, damping: Float = 0) throws(KernelError) {
        precondition(a.count == n * n, "Cholesky: \(a.count) values for \(n)×\(n)")
        var l = a
        for i in 0..<n { l[i * n + i] += damping }
        let info = LAPACKE_spotrf(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "L")), Int32(n), &l, Int32(n))
        guard info == 0 else { throw .notPositiveDefinite(n: n, info: Int(info)) }
        for i in 0..<n { for j in (i + 1)..<n { l[i * n + j] = 0 } }
        lower = l
        self.n = n
    }

    /// X·L⁻¹ for X [m, n] (solves Y·L = X for Y), row-major.
    public func rightSolve(_ x: [Float], rows m: Int) -> [Float] {
        var y = x
        lower.withUnsafeBufferPointer { l in
            cblas_strsm(CblasRowMajor, CblasRight, CblasLower, CblasNoTrans, CblasNonUnit, Int32(m), Int32(n), 1,
                        l.baseAddress!, Int32(n), &y, Int32(n))
        }
        return y
    }

    /// X = A⁻¹·B = L⁻ᵀ·L⁻¹·B for B [n, m] row-major (two triangular solves).
    public func solve(_ b: [Float], columns m: Int) -> [Float] {
        precondition(b.count == n * m, "Cholesky.solve: \(b.count) values for \(n)×\(m)")
        var x = b
        guard m > 0, n > 0 else { return x }
        lower.withUnsafeBufferPointer { l in
            cblas_strsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, Int32(n), Int32(m), 1,
                        l.baseAddress!, Int32(n), &x, Int32(m))
            cblas_strsm(CblasRowMajor, CblasLeft, CblasLower, CblasTrans, CblasNonUnit, Int32(n), Int32(m), 1,
                        l.baseAddress!, Int32(n), &x, Int32(m))
        }
        return x
    }
}
