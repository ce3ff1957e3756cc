import Foundation
import Testing
import TensorCore
@testable import Kernels

/// Oracles: a matrix built as A = U·diag(σ)·Vᵀ from orthonormal U, V (QR of Gaussian matrices),
/// so its singular values σ are known exactly and the Eckart–Young bound √Σ_{i≥r} σᵢ² is
/// computed in Double from them; the truncated factors are compared to it within 1%.
@Suite struct RandomizedSVDTests {
    /// A [m, n] = U·diag(σ)·Vᵀ with σᵢ = e^(−i/10), i < min(m, n), and σ.
    static func decaying(rows m: Int, columns n: Int, seed: UInt64) throws -> (a: [Float], sigma: [Double]) {
        let k = min(m, n)
        let sigma = (0..<k).map { exp(-Double($0) / 10) }
        var uT = KernelTestSupport.normals(m * k, seed: seed), vT = KernelTestSupport.normals(n * k, seed: seed + 1)
        try QR.orthonormalizeColumns(&uT, rows: m, columns: k)   // Uᵀ [k, m]
        try QR.orthonormalizeColumns(&vT, rows: n, columns: k)   // Vᵀ [k, n]
        var scaledUT = uT
        for i in 0..<k { for o in 0..<m { scaledUT[i * m + o] *= Float(sigma[i]) } }
        var u = [Float](repeating: 0, count: m * k)                // U·diag(σ) [m, k]
        for i in 0..<k { for o in 0..<m { u[o * k + i] = scaledUT[i * m + o] } }
        return (GEMM.multiply(u, vT, m: m, n: n, k: k), sigma)
    }

    /// ‖A − U·diag(σ)·Vᵀ‖_F in Double.
    static func error(_ a: [Float], _ svd: SVD) -> Double {
        let m = svd.rows, n = svd.columns, k = svd.rank
        var total = 0.0
        for o in 0..<m {
            for j in 0..<n {
                var x = 0.0
                for i in 0..<k { x += Double(svd.u[o * k + i]) * Double(svd.singularValues[i]) * Double(svd.vt[i * n + j]) }
                total += (Double(a[o * n + j]) - x) * (Double(a[o * n + j]) - x)
            }
        }
        return total.squareRoot()
    }

    @Test func qrGivesAnOrthonormalBasisOfTheColumns() throws {
        let m = 50, k = 8
        let a = KernelTestSupport.normals(m * k, seed: 3)   // column-major A [50, 8]
        var q = a
        try QR.orthonormalizeColumns(&q, rows: m, columns: k)
        for i in 0..<k {
            for j in 0..<k {
                let dot = (0..<m).reduce(0.0) { $0 + Double(q[i * m + $1]) * Double(q[j * m + $1]) }
                #expect(abs(dot - (i == j ? 1 : 0)) < 1e-5, "QᵀQ[\(i), \(j)] = \(dot)")
            }
        }
        // Q·Qᵀ·A = A: the columns of A lie in the span of Q.
        for c in 0..<k {
            let coefficients = (0..<k).map { i in (0..<m).reduce(0.0) { $0 + Double(q[i * m + $1]) * Double(a[c * m + $1]) } }
            let residual = (0..<m).map { o in Double(a[c * m + o]) - (0..<k).reduce(0.0) { $0 + coefficients[$1] * Double(q[$1 * m + o]) } }
            #expect(residual.map { $0 * $0 }.reduce(0, +).squareRoot() < 1e-5 * Double(m))
        }
    }

    /// q = 2 power iterations, p = 10: within 1% of the Eckart–Young bound, both orientations.
    @Test(arguments: [(300, 200, 10), (300, 200, 50), (120, 260, 30)])
    func errorIsWithinOnePercentOfEckartYoung(m: Int, n: Int, rank: Int) throws {
        let (a, sigma) = try Self.decaying(rows: m, columns: n, seed: 11)
        let svd = try SVD.randomized(a, rows: m, columns: n, rank: rank, oversampling: 10, powerIterations: 2, seed: 5)
        #expect(svd.rank == rank && svd.u.count == m * rank && svd.vt.count == rank * n)
        let bound = sigma.dropFirst(rank).reduce(0) { $0 + $1 * $1 }.squareRoot()
        let error = Self.error(a, svd)
        #expect(error <= 1.01 * bound && error >= 0.999 * bound, "\(m)×\(n) rank \(rank): error \(error), bound \(bound)")
        for i in 0..<rank { #expect(abs(Double(svd.singularValues[i]) - sigma[i]) <= 1e-3 * sigma[i] + 1e-5) }
    }

    @Test func theSameSeedGivesTheSameBitsAndAnotherSeedOthers() throws {
        let (a, _) = try Self.decaying(rows: 90, columns: 70, seed: 2)
        let one = try SVD.randomized(a, rows: 90, columns: 70, rank: 12, oversampling: 5, powerIterations: 1, seed: 42)
        let two = try SVD.randomized(a, rows: 90, columns: 70, rank: 12, oversampling: 5, powerIterations: 1, seed: 42)
        let other = try SVD.randomized(a, rows: 90, columns: 70, rank: 12, oversampling: 5, powerIterations: 1, seed: 43)
        #expect(one.u.map(\.bitPattern) == two.u.map(\.bitPattern))
        #expect(one.vt.map(\.bitPattern) == two.vt.map(\.bitPattern))
        #expect(one.singularValues.map(\.bitPattern) == two.singularValues.map(\.bitPattern))
        #expect(one.u.map(\.bitPattern) != other.u.map(\.bitPattern))
    }

    /// When r + p covers min(m, n) the sketch spans the whole range: the result is the exact SVD.
    @Test func aFullSketchMatchesTheExactSVD() throws {
        let a = KernelTestSupport.normals(40 * 24, seed: 9)
        let exact = try SVD(a, rows: 40, columns: 24)
        let randomized = try SVD.randomized(a, rows: 40, columns: 24, rank: 20, oversampling: 10, powerIterations: 0, seed: 1)
        for i in 0..<20 { #expect(abs(randomized.singularValues[i] - exact.singularValues[i]) <= 1e-4 * exact.singularValues[0]) }
        let bound = exact.singularValues.dropFirst(20).reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        #expect(abs(Self.error(a, randomized) - bound) <= 1e-3 * bound)
    }
}
