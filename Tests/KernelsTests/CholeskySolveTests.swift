import Testing
@testable import Kernels

/// `Cholesky.solve`: X = A⁻¹·B. Oracle: A·X recomputed naively in Double equals B within 1e-4
/// (relative to max |B|), for a symmetric positive-definite A = MᵀM + I built from fixed values.
@Suite struct CholeskySolveTests {
    @Test(arguments: [(1, 1), (5, 3), (17, 8)])
    func solveInvertsTheFactoredMatrix(n: Int, m: Int) throws {
        let base = (0..<(n * n)).map { Float(($0 * 37 + 11) % 23) / 23 - 0.5 }
        var a = [Float](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n {
            a[i * n + j] = (0..<n).reduce(Float(i == j ? 1 : 0)) { $0 + base[$1 * n + i] * base[$1 * n + j] }
        } }
        let b = (0..<(n * m)).map { Float(($0 * 13 + 5) % 17) / 17 - 0.5 }
        let x = try Cholesky(a, n: n).solve(b, columns: m)
        var worst = 0.0
        for i in 0..<n { for c in 0..<m {
            let ax = (0..<n).reduce(0.0) { $0 + Double(a[i * n + $1]) * Double(x[$1 * m + c]) }
            worst = max(worst, abs(ax - Double(b[i * m + c])))
        } }
        #expect(worst <= 1e-4 * Double(b.map(abs).max()!), "max |A·X − B| \(worst)")
    }
}
