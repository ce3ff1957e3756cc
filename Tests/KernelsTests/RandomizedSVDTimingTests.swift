import Foundation
import Testing
import Kernels

/// Timings, not tests: with `PARE_SVD_TIMING=1`, prints the wall time (best of 3) of the exact
/// SVD (`sgesdd`, at OpenBLAS's default thread count and at 1 thread) and of `SVD.randomized`
/// (p = 10, q = 2; always 1 thread, for determinism) of Gaussian 3072×768 and 1536×384 matrices
/// at rank ratios 0.5 and 0.25, with the randomized error over the Eckart–Young bound. Run in release:
///
///     swift build -c release --scratch-path .build-svd --build-tests -Xswiftc -target-cpu -Xswiftc haswell
///     PARE_SVD_TIMING=1 swift test -c release --scratch-path .build-svd --skip-build --filter RandomizedSVDTimingTests
@Suite(.serialized) struct RandomizedSVDTimingTests {
    static func seconds<R>(_ body: () throws -> R) rethrows -> (Double, R) {
        var best = Double.infinity
        var result: R?
        for _ in 0..<3 {
            let start = DispatchTime.now().uptimeNanoseconds
            result = try body()
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return (best, result!)
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["PARE_SVD_TIMING"] == "1"),
          arguments: [(3072, 768), (1536, 384)])
    func exactAgainstRandomized(m: Int, n: Int) throws {
        let a = KernelTestSupport.normals(m * n, seed: 1, standardDeviation: 0.02)
        let (exactTime, exact) = try Self.seconds { try SVD(a, rows: m, columns: n) }
        let (exactOneThread, _) = try BLASThreads.withCount(1) { try Self.seconds { try SVD(a, rows: m, columns: n) } }
        print(String(format: "%d×%d exact sgesdd: %.3f s (%d threads), %.3f s (1 thread)", m, n, exactTime, BLASThreads.count, exactOneThread))
        for ratio in [0.5, 0.25] {
            let r = Int((ratio * Double(min(m, n))).rounded(.up))
            let (time, svd) = try Self.seconds {
                try SVD.randomized(a, rows: m, columns: n, rank: r, oversampling: 10, powerIterations: 2, seed: 1)
            }
            let bound = exact.singularValues.dropFirst(r).reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            let error = Self.frobeniusError(a, svd)
            print(String(format: "%d×%d rank %d (ratio %.2f) randomized: %.3f s (1 thread), ×%.2f vs the faster exact; error / Eckart–Young = %.4f",
                         m, n, r, ratio, time, min(exactTime, exactOneThread) / time, error / bound))
        }
    }

    /// ‖A − U·diag(σ)·Vᵀ‖_F, the product by BLAS.
    static func frobeniusError(_ a: [Float], _ svd: SVD) -> Double {
        let k = svd.rank
        var us = svd.u
        for o in 0..<svd.rows { for i in 0..<k { us[o * k + i] *= svd.singularValues[i] } }
        let product = GEMM.multiply(us, svd.vt, m: svd.rows, n: svd.columns, k: k)
        return zip(a, product).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }.squareRoot()
    }
}
