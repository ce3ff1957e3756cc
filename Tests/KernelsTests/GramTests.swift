import Testing
@testable import Kernels

@Suite struct GramTests {
    /// Two accumulations (two calibration batches) equal the naive Σ_t x_t x_tᵀ in Double, and the
    /// result is symmetric up to sgemm's rounding (it sums (i, j) and (j, i) in different orders).
    @Test(arguments: [1, 7, 64])
    func accumulatesTheFullSymmetricGram(columns m: Int) {
        let first = KernelTestSupport.normals(13 * m, seed: 1), second = KernelTestSupport.normals(5 * m, seed: 2)
        var c = [Float](repeating: 0, count: m * m)
        c.withUnsafeMutableBufferPointer { c in
            GEMM.accumulateGram(first, rows: 13, columns: m, into: c.baseAddress!)
            GEMM.accumulateGram(second, rows: 5, columns: m, into: c.baseAddress!)
        }
        let rows = stride(from: 0, to: first.count, by: m).map { Array(first[$0..<($0 + m)]) }
            + stride(from: 0, to: second.count, by: m).map { Array(second[$0..<($0 + m)]) }
        for i in 0..<m {
            for j in 0..<m {
                let want = rows.reduce(0.0) { $0 + Double($1[i]) * Double($1[j]) }
                #expect(abs(Double(c[i * m + j]) - want) <= 1e-4 * max(1, abs(want)), "(\(i), \(j))")
                #expect(abs(c[i * m + j] - c[j * m + i]) <= 1e-5 * max(1, abs(c[i * m + j])))
            }
        }
    }
}
