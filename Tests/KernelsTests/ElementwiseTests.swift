import Foundation
import Testing
@testable import Kernels

/// Elementwise kernels against Double (the oracle). add and addBias round one Double sum of
/// two floats to f32, which is exactly the f32 sum, so they must match bit for bit; tanh
/// |Δ| ≤ 1e-6 absolute against Foundation's Double tanh (measured 1.5e-7 over all floats).
@Suite struct ElementwiseTests {
    @Test(arguments: KernelTestSupport.lengths)
    func addIsExact(count: Int) {
        let x = KernelTestSupport.normals(count, seed: UInt64(500 + count))
        let y = KernelTestSupport.normals(count + 1, seed: UInt64(600 + count), standardDeviation: 10)
        let got = y.withUnsafeBufferPointer { y in
            KernelTestSupport.misaligned(x) { Elementwise.add($0, y.baseAddress! + 1, count: count) }
        }
        #expect(got == (0..<count).map { Float(Double(x[$0]) + Double(y[$0 + 1])) })
    }

    @Test(arguments: KernelTestSupport.lengths)
    func addBiasIsExact(columns: Int) {
        let rows = 5
        let x = KernelTestSupport.normals(rows * columns, seed: UInt64(700 + columns))
        let bias = KernelTestSupport.normals(columns, seed: 8)
        let got = KernelTestSupport.misaligned(x) { p in
            bias.withUnsafeBufferPointer { Elementwise.addBias(p, rows: rows, columns: columns, bias: $0.baseAddress!) }
        }
        #expect(got == (0..<(rows * columns)).map { Float(Double(x[$0]) + Double(bias[$0 % columns])) })
    }

    @Test(arguments: KernelTestSupport.lengths)
    func tanhMatchesReference(count: Int) {
        let x = KernelTestSupport.normals(count, seed: UInt64(800 + count), standardDeviation: 2)
            + [0, -0.0, 1e-3, -1e-3, 20, -20, 1e30, -.infinity, .infinity]
        let got = KernelTestSupport.misaligned(x) { Elementwise.tanh($0, count: x.count) }
        let worst = zip(x, got).map { abs(Double($1) - Foundation.tanh(Double($0))) }.max() ?? 0
        #expect(worst <= 1e-6, "max |Δ| = \(worst)")
    }
}
