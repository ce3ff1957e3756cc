import CBLAS
import CLAPACK
import Dispatch

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
        // A is symmetric, so its row-major lower triangle is its column-major upper one: factor
        // that as A = UᵀU in column-major order, which leaves L = Uᵀ row-major in place (no
        // transposed copies, which LAPACKE makes for LAPACK_ROW_MAJOR).
        let info = LAPACKE_spotrf(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "U")), Int32(n), &l, Int32(n))
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

    /// `solve` with B's columns cut into `parts` fixed groups solved side by side (one triangular
    /// solve pair each, on the calling threads' BLAS setting): the groups depend only on `parts`,
    /// never on how many threads run them, so the bits do not depend on the core count. Callers
    /// run it under `BLASThreads.withCount(1)`.
    public func solve(_ b: [Float], columns m: Int, parts: Int) -> [Float] {
        precondition(b.count == n * m, "Cholesky.solve: \(b.count) values for \(n)×\(m)")
        var x = b
        guard m > 0, n > 0 else { return x }
        let groups = FixedParts.ranges(m, parts: parts)
        lower.withUnsafeBufferPointer { l in
            x.withUnsafeMutableBufferPointer { x in
                nonisolated(unsafe) let (l, x) = (l, x)
                DispatchQueue.concurrentPerform(iterations: groups.count) { g in
                    let columns = groups[g], start = x.baseAddress! + columns.lowerBound
                    cblas_strsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, Int32(n), Int32(columns.count), 1,
                                l.baseAddress!, Int32(n), start, Int32(m))
                    cblas_strsm(CblasRowMajor, CblasLeft, CblasLower, CblasTrans, CblasNonUnit, Int32(n), Int32(columns.count), 1,
                                l.baseAddress!, Int32(n), start, Int32(m))
                }
            }
        }
        return x
    }
}

/// Work cut into a fixed number of contiguous parts, whatever the number of threads: results
/// that are sums in a kernel's own order then never depend on the core count.
public enum FixedParts {
    /// 0..<count in `parts` contiguous ranges (sizes differing by at most one), empty ones dropped.
    public static func ranges(_ count: Int, parts: Int) -> [Range<Int>] {
        let p = max(1, min(parts, count))
        return (0..<p).map { (count * $0 / p)..<(count * ($0 + 1) / p) }.filter { !$0.isEmpty }
    }
}
