import Foundation
import Testing
@testable import Kernels

/// Softmax.rows against a naive Double softmax over the visible keys (the oracle).
/// Tolerance: |p − p_ref| ≤ 1e-6·p_ref + 1e-9 per entry (exp is within 2e-7 relative; the f32
/// difference x − max, the f32 sum and the scale add a few ulp), and masked keys exactly 0.
@Suite struct SoftmaxTests {
    /// P [rows, columns] in Double; keys j ≥ visible(i) are 0.
    static func reference(_ s: [Float], rows: Int, columns: Int, causalOffset: Int?) -> [Double] {
        var p = [Double](repeating: 0, count: s.count)
        for i in 0..<rows {
            let visible = causalOffset.map { max(0, min(columns, i + $0 + 1)) } ?? columns
            guard visible > 0 else { continue }
            let row = (0..<visible).map { Double(s[i * columns + $0]) }
            let m = row.max()!
            let e = row.map { Foundation.exp($0 - m) }
            let sum = e.reduce(0, +)
            for j in 0..<visible { p[i * columns + j] = e[j] / sum }
        }
        return p
    }

    static func run(_ s: [Float], rows: Int, columns: Int, causalOffset: Int? = nil) -> [Float] {
        KernelTestSupport.misaligned(s) { Softmax.rows($0, rows: rows, columns: columns, causalOffset: causalOffset) }
    }

    static func worstError(_ got: [Float], _ want: [Double]) -> Double {
        zip(got, want).map { abs(Double($0) - $1) - 1e-6 * $1 }.max() ?? 0
    }

    @Test(arguments: KernelTestSupport.lengths)
    func matchesReference(columns: Int) {
        let rows = 3
        let s = KernelTestSupport.normals(rows * columns, seed: UInt64(columns), standardDeviation: 3)
        let got = Self.run(s, rows: rows, columns: columns)
        let excess = Self.worstError(got, Self.reference(s, rows: rows, columns: columns, causalOffset: nil))
        #expect(excess <= 1e-9, "columns \(columns): max |Δ| − 1e-6·p = \(excess)")
        for i in 0..<(columns > 0 ? rows : 0) {
            let sum = got[(i * columns)..<((i + 1) * columns)].reduce(0, +)
            #expect(abs(sum - 1) <= 2e-6, "row \(i) sums to \(sum)")
        }
    }

    @Test(arguments: [0, 3, -2])
    func causalKeysBeyondTheOffsetAreExactlyZero(offset: Int) {
        let rows = 20, columns = 37
        let s = KernelTestSupport.normals(rows * columns, seed: 7)
        let got = Self.run(s, rows: rows, columns: columns, causalOffset: offset)
        let want = Self.reference(s, rows: rows, columns: columns, causalOffset: offset)
        #expect(Self.worstError(got, want) <= 1e-9)
        for i in 0..<rows {
            for j in 0..<columns where j > i + offset {
                #expect(got[i * columns + j] == 0, "P[\(i), \(j)] with offset \(offset)")
            }
        }
        // A negative offset leaves the first rows without any key: all zeros, not NaN.
        if offset < 0 { #expect(got[0..<columns].allSatisfy { $0 == 0 }) }
    }

    @Test func negativeInfinityGetsExactlyZero() {
        let columns = 33
        var s = KernelTestSupport.normals(2 * columns, seed: 11)
        for j in stride(from: 0, to: 2 * columns, by: 3) { s[j] = -.infinity }
        let got = Self.run(s, rows: 2, columns: columns)
        for j in stride(from: 0, to: 2 * columns, by: 3) { #expect(got[j] == 0) }
        #expect(Self.worstError(got, Self.reference(s, rows: 2, columns: columns, causalOffset: nil)) <= 1e-9)
    }

    @Test(arguments: [1, 16, 17, 385])
    func everythingButOneKeyMasked(columns: Int) {
        var s = [Float](repeating: -.infinity, count: columns)
        s[columns / 2] = 42
        let got = Self.run(s, rows: 1, columns: columns)
        for j in 0..<columns { #expect(got[j] == (j == columns / 2 ? 1 : 0)) }
        // The same through the causal mask: row 0 sees only key 0.
        let causal = Self.run(KernelTestSupport.normals(columns, seed: 3), rows: 1, columns: columns, causalOffset: 0)
        #expect(causal[0] == 1 && causal.dropFirst().allSatisfy { $0 == 0 })
    }

    @Test func largeMagnitudes() {
        let rows = 4, columns = 385
        let s = KernelTestSupport.uniforms(rows * columns, seed: 13, in: -80..<80)
        let got = Self.run(s, rows: rows, columns: columns)
        #expect(Self.worstError(got, Self.reference(s, rows: rows, columns: columns, causalOffset: nil)) <= 1e-9)
        #expect(got.allSatisfy { $0.isFinite && $0 >= 0 })
        let extremes = Self.run([80, -80, 80, -80, 0], rows: 1, columns: 5)
        #expect(extremes[0] == 0.5 && extremes[2] == 0.5 && extremes[1] == 0 && extremes[3] == 0)
    }

    /// Documented: an all −inf row has no maximum to subtract, so it is NaN as in PyTorch.
    @Test func allNegativeInfinityRowIsNaN() {
        let got = Self.run([-.infinity, -.infinity, -.infinity], rows: 1, columns: 3)
        #expect(got.allSatisfy { $0.isNaN })
    }
}
