import Foundation
import Testing
@testable import Kernels

/// The activations against Double formulas (the oracle):
/// GELU exact x·Φ(x) with Φ(x) = erfc(−x/√2)/2 (accurate in both tails);
/// GELU tanh 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))); ReLU max(0, x).
/// Tolerances: exact GELU |Δ| ≤ 5e-7·|x| + 1e-37 (erf is within 4.4e-7 absolute, times x/2, plus
/// rounding); tanh GELU |Δ| ≤ 4e-7·|x| + 1e-37 (e^(−2u) relative 2e-7 plus the f32 rounding of
/// u); ReLU exact.
@Suite struct ActivationsTests {
    static func geluReference(_ x: Float) -> Double {
        Double(x) * 0.5 * Foundation.erfc(-Double(x) / 2.0.squareRoot())
    }

    static func geluTanhReference(_ x: Float) -> Double {
        let v = Double(x)
        return 0.5 * v * (1 + Foundation.tanh((2 / Double.pi).squareRoot() * (v + 0.044715 * v * v * v)))
    }

    static func run(_ f: (UnsafeMutablePointer<Float>, Int) -> Void, _ x: [Float]) -> [Float] {
        KernelTestSupport.misaligned(x) { f($0, x.count) }
    }

    static func worstExcess(_ x: [Float], _ y: [Float], slope: Double, _ reference: (Float) -> Double) -> Double {
        zip(x, y).map { x, y in abs(Double(y) - reference(x)) - slope * abs(Double(x)) }.max() ?? 0
    }

    @Test(arguments: KernelTestSupport.lengths)
    func geluMatchesReference(count: Int) {
        let x = KernelTestSupport.normals(count, seed: UInt64(100 + count), standardDeviation: 3)
        let y = Self.run(Activations.gelu, x)
        #expect(Self.worstExcess(x, y, slope: 5e-7, Self.geluReference) <= 1e-37)
    }

    @Test(arguments: KernelTestSupport.lengths)
    func geluTanhMatchesReference(count: Int) {
        let x = KernelTestSupport.normals(count, seed: UInt64(200 + count), standardDeviation: 3)
        let y = Self.run(Activations.geluTanh, x)
        #expect(Self.worstExcess(x, y, slope: 4e-7, Self.geluTanhReference) <= 1e-37)
    }

    /// 0, ±1e-3, ±3, ±10 and huge values; also a dense sweep over [−12, 12].
    static let special: [Float] = [0, 1e-3, -1e-3, 3, -3, 10, -10, 1e30, -1e30, .greatestFiniteMagnitude,
                                   -.greatestFiniteMagnitude, 1e-30, -1e-30]
    static let sweep = (0..<24_001).map { Float($0 - 12_000) * 1e-3 }

    @Test func geluSpecialValues() {
        let y = Self.run(Activations.gelu, Self.special)
        #expect(y[0] == 0)
        #expect(y[5] == 10 && y[7] == 1e30 && y[9] == .greatestFiniteMagnitude, "GELU(x) = x for large x: \(y)")
        #expect(y[6] == 0 && y[8] == 0 && y[10] == 0, "GELU(x) = 0 for very negative x (true value < 1e-22): \(y)")
        #expect(Self.worstExcess(Self.special, y, slope: 5e-7, Self.geluReference) <= 1e-37)
        #expect(Self.worstExcess(Self.sweep, Self.run(Activations.gelu, Self.sweep), slope: 5e-7, Self.geluReference) <= 1e-37)
    }

    @Test func geluTanhSpecialValues() {
        let y = Self.run(Activations.geluTanh, Self.special)
        #expect(y[0] == 0)
        #expect(y[5] == 10 && y[7] == 1e30 && y[9] == .greatestFiniteMagnitude)
        #expect(y[8] == 0 && y[10] == 0 && abs(y[6]) < 1e-30)
        #expect(Self.worstExcess(Self.special, y, slope: 4e-7, Self.geluTanhReference) <= 1e-37)
        #expect(Self.worstExcess(Self.sweep, Self.run(Activations.geluTanh, Self.sweep), slope: 4e-7,
                                 Self.geluTanhReference) <= 1e-37)
    }

    @Test(arguments: KernelTestSupport.lengths)
    func reluIsExact(count: Int) {
        let x = KernelTestSupport.normals(count, seed: UInt64(300 + count))
        #expect(Self.run(Activations.relu, x) == x.map { max(0, $0) })
    }
}
