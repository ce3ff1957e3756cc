import Testing
import Kernels
import ModelIR
import TensorCore
@testable import Passes

/// Oracles of the column reconstruction (`Reconstruction.refit`) that ffn-prune and head-prune
/// share, recomputed naively in Double from the inputs X [t, n] of a linear W [d, n], b [d].
enum RefitOracle {
    /// The least-squares refit from X: covariance C = (X − 1μᵀ)ᵀ(X − 1μᵀ)/t in two passes, the
    /// damped normal equations (C_KK + δI)·ΔWᵀ = C_KR·W_Rᵀ with δ = damping·mean(diag C_KK),
    /// solved by Gaussian elimination with partial pivoting; W' = W[:, K] + ΔW [d][k] and
    /// b' = b + W·μ − W'·μ_K [d].
    static func leastSquares(_ x: [[Float]], weight w: [Float], bias b: [Float], kept: [Int], damping: Double = 0.01) -> (weight: [[Double]], bias: [Double]) {
        let t = Double(x.count), n = x[0].count, d = b.count, k = kept.count
        let μ = (0..<n).map { j in x.reduce(0) { $0 + Double($1[j]) } / t }
        let c: [[Double]] = (0..<n).map { i in (0..<n).map { j in x.reduce(0.0) { $0 + (Double($1[i]) - μ[i]) * (Double($1[j]) - μ[j]) } / t } }
        let δ: Double = damping * kept.reduce(0.0) { $0 + c[$1][$1] } / Double(k)
        // [C_KK + δI | C_KR·W_Rᵀ], eliminated with partial pivoting; W' = W_K + the solution.
        let removed = (0..<n).filter { !kept.contains($0) }
        var a: [[Double]] = kept.enumerated().map { (a: Int, i: Int) -> [Double] in
            let left: [Double] = kept.enumerated().map { (b: Int, j: Int) -> Double in c[i][j] + (a == b ? δ : 0) }
            let right: [Double] = (0..<d).map { (o: Int) -> Double in removed.reduce(0.0) { $0 + c[i][$1] * Double(w[o * n + $1]) } }
            return left + right
        }
        for p in 0..<k {
            let pivot = (p..<k).max { abs(a[$0][p]) < abs(a[$1][p]) }!
            a.swapAt(p, pivot)
            for r in 0..<k where r != p {
                let f = a[r][p] / a[p][p]
                for col in p..<(k + d) { a[r][col] -= f * a[p][col] }
            }
        }
        let refit: [[Double]] = (0..<d).map { o in (0..<k).map { Double(w[o * n + kept[$0]]) + a[$0][k + o] / a[$0][$0] } }
        let bias = (0..<d).map { (o: Int) -> Double in
            var s = Double(b[o])
            for j in 0..<n { s += Double(w[o * n + j]) * μ[j] }
            for a in 0..<k { s -= refit[o][a] * μ[kept[a]] }
            return s
        }
        return (refit, bias)
    }

    /// `got` (W' [d, k] and b') against the naive refit, relative 1e-3 of the largest entry (the
    /// pass accumulates XᵀX in f32).
    static func expect(_ got: Linear<Tensor>, matches naive: (weight: [[Double]], bias: [Double]), _ what: String) throws {
        let w = try PruneOracle.dense(got), b = try #require(got.bias).floats(), d = naive.weight.count, k = naive.weight[0].count
        #expect(got.outFeatures == d && got.inFeatures == k, "\(what): \(got.outFeatures)×\(got.inFeatures)")
        let scale = naive.weight.joined().map(abs).max()!, biasScale = naive.bias.map(abs).max()!
        let worst = (0..<d).flatMap { o in (0..<k).map { abs(Double(w[o * k + $0]) - naive.weight[o][$0]) } }.max()!
        let worstBias = (0..<d).map { abs(Double(b[$0]) - naive.bias[$0]) }.max()!
        #expect(worst <= 1e-3 * scale, "\(what): max |ΔW'| \(worst) of \(scale)")
        #expect(worstBias <= 1e-3 * max(biasScale, 1), "\(what): max |Δb'| \(worstBias)")
    }

    /// The tensors' bytes of `run()` at BLAS thread counts 2, 1, 2 (restored afterwards).
    static func bytesOnThreadCounts(_ run: () async throws -> Model) async throws -> [[[UInt8]]] {
        let saved = BLASThreads.count
        defer { BLASThreads.count = saved }
        var runs: [[[UInt8]]] = []
        for threads in [2, 1, 2] {
            BLASThreads.count = threads
            runs.append(try await run().namedTensors.map { $0.tensor.withUnsafeBytes { [UInt8]($0) } })
        }
        return runs
    }
}
