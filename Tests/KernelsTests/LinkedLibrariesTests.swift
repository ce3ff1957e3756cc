import Testing
import TensorCore
@testable import Kernels

/// Proves OpenBLAS and LAPACKE are linked and called. Oracles: a naive Double loop for sgemm;
/// the reconstruction U·diag(σ)·Vᵀ for sgesdd.
@Suite struct LinkedLibrariesTests {
    @Test(arguments: [false, true])
    func sgemmMatchesNaiveLoop(transposeB: Bool) {
        var rng = SplitMix64(seed: 1)
        let m = 37, n = 53, k = 29
        let a = (0..<(m * k)).map { _ in rng.normal() }
        let b = (0..<(k * n)).map { _ in rng.normal() }
        let c = GEMM.multiply(a, b, m: m, n: n, k: k, transposeB: transposeB)
        var worst: Double = 0
        for i in 0..<m {
            for j in 0..<n {
                var sum: Double = 0
                for p in 0..<k {
                    let bv = transposeB ? b[j * k + p] : b[p * n + j]
                    sum += Double(a[i * k + p]) * Double(bv)
                }
                worst = max(worst, abs(sum - Double(c[i * n + j])))
            }
        }
        #expect(worst < 1e-4, "max |sgemm − naive| = \(worst)")
        #expect(!BLASThreads.coreName.isEmpty)
    }

    @Test(arguments: [(48, 30), (30, 48)])
    func sgesddReconstructs(m: Int, n: Int) throws {
        var rng = SplitMix64(seed: 2)
        let a = (0..<(m * n)).map { _ in rng.normal(standardDeviation: 0.02) }
        let svd = try SVD(a, rows: m, columns: n)
        let k = min(m, n)
        #expect(svd.rank == k)
        #expect(zip(svd.singularValues, svd.singularValues.dropFirst()).allSatisfy { $0 >= $1 })
        var error: Double = 0, norm: Double = 0
        for i in 0..<m {
            for j in 0..<n {
                var sum: Double = 0
                for r in 0..<k { sum += Double(svd.u[i * k + r]) * Double(svd.singularValues[r]) * Double(svd.vt[r * n + j]) }
                error += (sum - Double(a[i * n + j])) * (sum - Double(a[i * n + j]))
                norm += Double(a[i * n + j]) * Double(a[i * n + j])
            }
        }
        let relative = (error / norm).squareRoot()
        #expect(relative < 1e-5, "relative Frobenius error \(relative)")
    }
}
