import Foundation
import Testing
@testable import Kernels

/// The lane functions against Foundation's Double exp, expm1, erf and tanh (the oracle).
/// Tolerances are the task's bounds: exp relative ≤ 2e-7 on [−87, 88]; erf absolute ≤ 1e-6;
/// tanh absolute ≤ 1e-6 (and relative ≤ 1e-6 on [−20, 20]). Every float was checked once
/// offline (`PARE_KERNEL_EXHAUSTIVE=1`, see KernelTimingTests): exp 8.5e-8, erf 4.4e-7,
/// tanh 1.5e-7 abs / 1.8e-7 rel. Here a strided sweep of the bit patterns keeps debug runs short.
@Suite struct VectorMathTests {
    typealias V = VectorMath.Vector

    /// Every `stride`-th float from `lower` to `upper`, in order (floats numbered by their
    /// position on the line: ±bit pattern of |x|).
    static func floats(from lower: Float, to upper: Float, stride: Int) -> [Float] {
        func rank(_ x: Float) -> Int { x.sign == .minus ? -Int(x.magnitude.bitPattern) : Int(x.bitPattern) }
        func float(_ r: Int) -> Float { r < 0 ? -Float(bitPattern: UInt32(-r)) : Float(bitPattern: UInt32(r)) }
        return Swift.stride(from: rank(lower), through: rank(upper), by: stride).map(float)
    }

    /// f over xs, 16 at a time (tail padded), as the kernels do.
    static func apply(_ f: (V) -> V, _ xs: [Float]) -> [Float] {
        var ys = xs
        ys.withUnsafeMutableBufferPointer { p in
            var i = 0
            while i < p.count {
                let n = min(16, p.count - i)
                let y = f(VectorMath.load(p.baseAddress! + i, count: n, padding: 0))
                VectorMath.store(y, p.baseAddress! + i, count: n)
                i += n
            }
        }
        return ys
    }

    @Test func expRelativeError() {
        // About 96k points: every 24k-th float pattern over [−87, 88] plus a dense grid near 0.
        let xs = Self.floats(from: -87, to: 88, stride: 24_000) + (0..<2000).map { Float($0 - 1000) * 1e-3 }
        let ys = Self.apply(VectorMath.exp, xs)
        var worst = 0.0
        for (x, y) in zip(xs, ys) {
            let want = Foundation.exp(Double(x))
            worst = max(worst, abs(Double(y) - want) / want)
        }
        #expect(worst <= 2e-7, "max relative error of exp: \(worst)")
    }

    @Test func expSpecialValues() {
        let xs: [Float] = [-.infinity, -1e30, -1000, -88, -87.7, 0, -0.0, 1, 88.7228, 89, 1e30, .infinity, .nan]
        let ys = Self.apply(VectorMath.exp, xs)
        #expect(ys[0...4].allSatisfy { $0 == 0 }, "very negative inputs give 0: \(ys)")
        #expect(ys[5] == 1 && ys[6] == 1 && abs(ys[7] - Float(M_E)) <= Float(M_E).ulp)
        #expect(ys[8].isFinite && ys[8] > 3.4e38, "exp(88.7228) is still finite: \(ys[8])")
        #expect(ys[9...11].allSatisfy { $0 == .infinity })
        #expect(ys[12].isNaN)
        // Between −87.68 and −87.34 the result is subnormal and still close (absolute).
        let tiny: [Float] = [-87.6, -87.5, -87.4]
        for (x, y) in zip(tiny, Self.apply(VectorMath.exp, tiny)) {
            #expect(abs(Double(y) - Foundation.exp(Double(x))) <= 1e-45, "exp(\(x)) = \(y)")
        }
    }

    @Test func expm1KeepsRelativeAccuracyNearZero() {
        let xs: [Float] = [1e-30, -1e-30, 1e-8, -1e-8, 1e-4, -1e-4, 0.3, -0.3, 1, -1, 10, -20, -100, -.infinity]
        let ys = Self.apply(VectorMath.expm1, xs)
        for (x, y) in zip(xs, ys) {
            let want = Foundation.expm1(Double(x))
            #expect(abs(Double(y) - want) <= 2e-7 * abs(want), "expm1(\(x)) = \(y), want \(want)")
        }
    }

    @Test func erfAbsoluteError() {
        // Every float pattern stride over the whole line (±3.4e38), plus a dense grid on [−5, 5].
        let xs = Self.floats(from: -.greatestFiniteMagnitude, to: .greatestFiniteMagnitude, stride: 80_000)
            + (0..<20_000).map { Float($0 - 10_000) * 5e-4 }
        let ys = Self.apply(VectorMath.erf, xs)
        var worst = 0.0
        for (x, y) in zip(xs, ys) { worst = max(worst, abs(Double(y) - Foundation.erf(Double(x)))) }
        #expect(worst <= 1e-6, "max absolute error of erf: \(worst)")
        #expect(Self.apply(VectorMath.erf, [-.infinity, .infinity, 0]) == [-1, 1, 0])
    }

    @Test func tanhAbsoluteAndRelativeError() {
        let xs = Self.floats(from: -.greatestFiniteMagnitude, to: .greatestFiniteMagnitude, stride: 80_000)
            + (0..<20_000).map { Float($0 - 10_000) * 2e-3 }
        let ys = Self.apply(VectorMath.tanh, xs)
        var worstAbsolute = 0.0, worstRelative = 0.0
        for (x, y) in zip(xs, ys) {
            let want = Foundation.tanh(Double(x))
            worstAbsolute = max(worstAbsolute, abs(Double(y) - want))
            if abs(x) <= 20, x != 0 { worstRelative = max(worstRelative, abs(Double(y) - want) / abs(want)) }
        }
        #expect(worstAbsolute <= 1e-6, "max absolute error of tanh: \(worstAbsolute)")
        #expect(worstRelative <= 1e-6, "max relative error of tanh on [−20, 20]: \(worstRelative)")
        let special = Self.apply(VectorMath.tanh, [-.infinity, .infinity, 0, -0.0, 1e-30])
        #expect(special[0] == -1 && special[1] == 1 && special[2] == 0 && special[3] == 0 && special[4] == 1e-30)
        #expect(special[3].sign == .minus, "tanh(−0) = −0")
    }
}
