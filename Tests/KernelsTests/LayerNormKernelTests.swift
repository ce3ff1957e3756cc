import Testing
@testable import Kernels

/// LayerNormKernel.apply against a naive Double LayerNorm (the oracle): μ and σ² in Double,
/// y = (x − μ)/√(σ² + ε)·γ + β. Tolerance |Δ| ≤ 1e-6·(1 + |y_ref|) (measured 2.7e-7): the normalised value
/// carries the f32 rounding of μ, σ and one fused multiply-add (a few ulp of |x − μ|/σ·γ).
@Suite struct LayerNormKernelTests {
    static func reference(_ x: [Float], rows: Int, d: Int, weight: [Float], bias: [Float], epsilon: Float) -> [Double] {
        var y = [Double](repeating: 0, count: x.count)
        for r in 0..<rows {
            let row = (0..<d).map { Double(x[r * d + $0]) }
            let mean = row.reduce(0, +) / Double(d)
            let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(d)
            let inverse = 1 / (variance + Double(epsilon)).squareRoot()
            for i in 0..<d { y[r * d + i] = (row[i] - mean) * inverse * Double(weight[i]) + Double(bias[i]) }
        }
        return y
    }

    static func run(_ x: [Float], rows: Int, d: Int, weight: [Float], bias: [Float], epsilon: Float) -> [Float] {
        // Weight and bias misaligned too.
        let wb = KernelTestSupport.misaligned(weight + bias) { _ in }
        return wb.withUnsafeBufferPointer { wb in
            KernelTestSupport.misaligned(x) { p in
                let w = UnsafeMutablePointer<Float>.allocate(capacity: 2 * d + 1)
                defer { w.deallocate() }
                (w + 1).initialize(from: wb.baseAddress!, count: 2 * d)
                LayerNormKernel.apply(p, rows: rows, d: d, weight: w + 1, bias: w + 1 + d, epsilon: epsilon)
            }
        }
    }

    static func worstExcess(_ got: [Float], _ want: [Double]) -> Double {
        zip(got, want).map { abs(Double($0) - $1) - 1e-6 * (1 + abs($1)) }.max() ?? -1
    }

    @Test(arguments: KernelTestSupport.lengths)
    func matchesReference(d: Int) {
        let rows = 3
        // Rows with an offset mean (5) and spread 2, as residual streams have.
        let x = KernelTestSupport.normals(rows * d, seed: UInt64(400 + d), standardDeviation: 2).map { $0 + 5 }
        let weight = KernelTestSupport.normals(d, seed: 1, standardDeviation: 0.5).map { $0 + 1 }
        let bias = KernelTestSupport.normals(d, seed: 2, standardDeviation: 0.1)
        for epsilon: Float in [1e-12, 1e-5] {
            let got = Self.run(x, rows: rows, d: d, weight: weight, bias: bias, epsilon: epsilon)
            let want = Self.reference(x, rows: rows, d: d, weight: weight, bias: bias, epsilon: epsilon)
            #expect(Self.worstExcess(got, want) <= 0, "d \(d), ε \(epsilon)")
        }
    }

    /// A large common offset (1e4) with unit spread: the two-pass variance keeps precision.
    @Test func largeMeanSmallSpread() {
        let d = 385
        let x = KernelTestSupport.normals(d, seed: 5).map { $0 + 10_000 }
        let weight = [Float](repeating: 1, count: d), bias = [Float](repeating: 0, count: d)
        let got = Self.run(x, rows: 1, d: d, weight: weight, bias: bias, epsilon: 1e-12)
        let want = Self.reference(x, rows: 1, d: d, weight: weight, bias: bias, epsilon: 1e-12)
        // x itself is only known to ulp(1e4) ≈ 1e-3 relative to σ ≈ 1, so allow 1e-3.
        #expect(zip(got, want).allSatisfy { abs(Double($0) - $1) <= 1e-3 })
    }

    /// Variance 0: x − μ is exactly 0, so the output is exactly the bias, for any constant.
    @Test(arguments: [1, 15, 17, 385, 1536])
    func constantRowGivesBias(d: Int) {
        let bias = KernelTestSupport.normals(d, seed: 9)
        let weight = KernelTestSupport.normals(d, seed: 10)
        for c: Float in [0, 3, 0.1, -1.0 / 3, 12_345.679, 1e-20] {
            let x = [Float](repeating: c, count: 2 * d)
            let got = Self.run(x, rows: 2, d: d, weight: weight, bias: bias, epsilon: 1e-12)
            let wrong = zip(got, bias + bias).filter { $0 != $1 }.count
            #expect(wrong == 0, "constant \(c), d \(d): \(wrong) outputs differ from the bias")
        }
    }
}
