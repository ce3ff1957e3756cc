import CLAPACK

/// A thin singular value decomposition A = U·diag(σ)·Vᵀ of A [m, n], with k = min(m, n)
/// (or the rank r asked of a truncated one, `SVD.randomized`): U [m, k], σ [k] descending,
/// Vᵀ [k, n]; all row-major.
public struct SVD: Sendable {
    public let u: [Float]
    public let singularValues: [Float]
    public let vt: [Float]
    public let rows: Int
    public let columns: Int

    public var rank: Int { singularValues.count }

    /// Decomposes A [m, n] (row-major) with LAPACK's divide-and-conquer `sgesdd`.
    public init(_ a: [Float], rows m: Int, columns n: Int) throws(KernelError) {
        precondition(a.count == m * n, "SVD: \(a.count) values for a \(m)×\(n) matrix")
        let k = min(m, n)
        var work = a
        var s = [Float](repeating: 0, count: k)
        var u = [Float](repeating: 0, count: m * k)
        var vt = [Float](repeating: 0, count: k * n)
        let info = LAPACKE_sgesdd(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "S")), Int32(m), Int32(n),
                                  &work, Int32(n), &s, &u, Int32(k), &vt, Int32(n))
        guard info == 0 else { throw .svdFailed(rows: m, columns: n, info: Int(info)) }
        self.init(u: u, singularValues: s, vt: vt, rows: m, columns: n)
    }

    /// Factors computed elsewhere (a truncated decomposition): U [m, k], σ [k], Vᵀ [k, n].
    init(u: [Float], singularValues: [Float], vt: [Float], rows m: Int, columns n: Int) {
        let k = singularValues.count
        precondition(u.count == m * k && vt.count == k * n, "SVD: factors do not match \(m)×\(n) at rank \(k)")
        self.u = u
        self.singularValues = singularValues
        self.vt = vt
        self.rows = m
        self.columns = n
    }
}

/// Numerical failures of the kernels.
public enum KernelError: Error, Equatable, Sendable, CustomStringConvertible {
    case svdFailed(rows: Int, columns: Int, info: Int)
    case notPositiveDefinite(n: Int, info: Int)
    case qrFailed(rows: Int, columns: Int, info: Int)

    public var description: String {
        switch self {
        case let .svdFailed(m, n, info):
            "SVD of a \(m)×\(n) matrix: LAPACK sgesdd failed (info \(info)); check the weight for NaN or infinity"
        case let .notPositiveDefinite(n, info):
            "Cholesky of a \(n)×\(n) matrix: not positive definite (LAPACK spotrf info \(info)); the calibration activations are degenerate, use more samples or turn activation-aware off"
        case let .qrFailed(m, n, info):
            "QR of a \(m)×\(n) matrix: LAPACK sgeqrf/sorgqr failed (info \(info)); check the weight for NaN or infinity"
        }
    }
}
