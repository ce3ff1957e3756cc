import Testing
import ModelIR
import TensorCore
@testable import Runtime

/// The runtime's other int8 forms: per-group scales, sparse int8 (run as dense int8) and low-rank
/// int8. Weight-only (`none`, widened at load), oracle: a naive Double product
/// y[r, o] = Σ_i x[r, i]·W[o, i] + b[o] (+ y₀ when accumulating) with W the dequantized weight
/// computed here in Double (s·q, and u_deq·v_deq for low-rank), tolerance 1e-4 relative to the
/// largest |y|. Dynamic activations (int8 GEMMs), oracle: `W8A8Reference` (for low-rank applied
/// twice, the [rows, r] intermediate rounded to f32 and quantized again, as the runtime does),
/// tolerance 1e-5 relative. ldy > out leaves a gap that must stay untouched.
@Suite struct Int8FormsLinearTests {
    static func normals(_ count: Int, _ seed: UInt64, _ sigma: Float) -> [Float] {
        Int8LinearTests.normals(count, seed: seed, sigma: sigma)
    }

    static let rows = 9
    static func input(_ n: Int) -> [Float] { normals(rows * n, 1, 1) }

    /// The int8 bytes of a tensor.
    static func bytes(_ t: Tensor) -> [Int8] { t.withUnsafeBytes { Array($0.bindMemory(to: Int8.self)) } }

    /// Runs `linear` on seeded x [9, in] (plain and accumulating) against the oracle on `w`.
    static func expectMatchesNaive(_ linear: PreparedLinear, dense w: [Double], bias: [Float], comment: String) {
        let n = linear.inFeatures, out = linear.outFeatures, x = input(n)
        let product = (0..<(rows * out)).map { j in
            (0..<n).reduce(Double(bias[j % out])) { $0 + Double(x[(j / out) * n + $1]) * w[(j % out) * n + $1] }
        }
        expectMatches(linear, product, tolerance: 1e-4, comment: comment)
    }

    /// Runs `linear` on `input(in)` (plain and accumulating) against y = product (+ y₀).
    static func expectMatches(_ linear: PreparedLinear, _ product: [Double], tolerance: Double, comment: String) {
        let n = linear.inFeatures, out = linear.outFeatures, ldy = out + 5
        let x = input(n), y0 = normals(rows * ldy, 4, 1)
        for accumulate in [false, true] {
            var y = y0
            x.withUnsafeBufferPointer { x in
                y.withUnsafeMutableBufferPointer { linear.apply(x.baseAddress!, rows: rows, into: $0.baseAddress!, ldy: ldy, accumulate: accumulate) }
            }
            var worst = 0.0, largest = 0.0
            for r in 0..<rows {
                for o in 0..<out {
                    let sum = product[r * out + o] + (accumulate ? Double(y0[r * ldy + o]) : 0)
                    largest = max(largest, abs(sum))
                    worst = max(worst, abs(Double(y[r * ldy + o]) - sum))
                }
                #expect(y[(r * ldy + out)..<((r + 1) * ldy)] == y0[(r * ldy + out)..<((r + 1) * ldy)], "\(comment): gap of row \(r) untouched")
            }
            #expect(worst <= tolerance * largest, "\(comment), accumulate \(accumulate): max |Δ| = \(worst), largest |y| = \(largest)")
        }
    }

    /// Groups shorter than, equal to and longer than the 16-lane vector, with partial tiles.
    @Test(arguments: [(45, 5), (45, 15), (48, 16), (64, 32), (64, 64)])
    func perGroupInt8MatchesTheNaiveProduct(shape: (Int, Int)) throws {
        let (n, g) = shape, out = 70
        let (values, scales) = Int8LinearTests.quantized(Self.normals(out * n, 2, 0.1), out: out, in: n, groupSize: g)
        #expect(scales.shape == [out, n / g])
        let bias = Self.normals(out, 3, 1)
        let widened = PreparedLinear(Linear(inFeatures: n, outFeatures: out, weight: .int8(values: values, scales: scales),
                                            bias: Tensor(bias, shape: [out])))
        Self.expectMatchesNaive(widened, dense: Int8LinearTests.dequantized(values, scales).map(Double.init), bias: bias,
                                comment: "weight-only, g = \(g) of \(n)")
        let linear = PreparedLinear(Linear(inFeatures: n, outFeatures: out, weight: .int8(values: values, scales: scales),
                                           bias: Tensor(bias, shape: [out]), activations: .dynamic))
        guard case let .int8(weight) = linear.form else { Issue.record("not prepared as int8"); return }
        #expect(weight.groupSize == g && weight.values == W8A8Reference.runtimeWeight(values: Self.bytes(values), scales: scales.floats(), groupSize: g).values)
        Self.expectMatches(linear, W8A8Reference.linear(Self.input(n), rows: Self.rows, values: Self.bytes(values), scales: scales.floats(),
                                                        groupSize: g, out: out, bias: bias),
                           tolerance: 1e-5, comment: "dynamic, g = \(g) of \(n)")
    }

    /// 2:4 sparse int8 (every other pair of inputs zero), per channel and per group of 8.
    @Test(arguments: [nil, 8] as [Int?])
    func sparseInt8MatchesTheNaiveProduct(groupSize: Int?) throws {
        let n = 40, out = 33
        var w = Self.normals(out * n, 5, 0.1)
        var mask = [UInt8](repeating: 0, count: out * 5)
        for o in 0..<out {
            for i in 0..<n {
                if (i / 2 + o) % 2 == 0 { w[o * n + i] = 0 } else { mask[o * 5 + i / 8] |= 1 << (i % 8) }
            }
        }
        let (values, scales) = Int8LinearTests.quantized(w, out: out, in: n, groupSize: groupSize)
        let form = WeightForm.sparseInt8(values: values, scales: scales, mask: Tensor(dtype: .u8, shape: [out, 5], bytes: mask),
                                         pattern: .nOfM(n: 2, m: 4), nonzeros: out * n / 2)
        let dense = Int8LinearTests.dequantized(values, scales)
        #expect(zip(w, dense).allSatisfy { $0 != 0 || $1 == 0 }, "pruned weights stay 0")
        Self.expectMatchesNaive(PreparedLinear(Linear(inFeatures: n, outFeatures: out, weight: form, bias: nil)),
                                dense: dense.map(Double.init), bias: [Float](repeating: 0, count: out),
                                comment: "weight-only sparse int8, groups \(groupSize.map(String.init) ?? "per channel")")
        let linear = PreparedLinear(Linear(inFeatures: n, outFeatures: out, weight: form, bias: nil, activations: .dynamic))
        guard case let .int8(weight) = linear.form else { Issue.record("sparse int8 not prepared as int8"); return }
        #expect(weight.values == W8A8Reference.runtimeWeight(values: Self.bytes(values), scales: scales.floats(), groupSize: groupSize ?? n).values)
        Self.expectMatches(linear, W8A8Reference.linear(Self.input(n), rows: Self.rows, values: Self.bytes(values), scales: scales.floats(),
                                                        groupSize: groupSize ?? n, out: out, bias: nil),
                           tolerance: 1e-5, comment: "dynamic sparse int8, groups \(groupSize.map(String.init) ?? "per channel")")
    }

    /// u i8 [out, r], v i8 [r, in], each with one scale per row; W = u_deq·v_deq in Double.
    @Test(arguments: [(37, 32, 5), (70, 45, 16)])
    func lowRankInt8MatchesTheNaiveProduct(shape: (Int, Int, Int)) throws {
        let (out, n, r) = shape
        let (u, uScales) = Int8LinearTests.quantized(Self.normals(out * r, 6, 0.3), out: out, in: r)
        let (v, vScales) = Int8LinearTests.quantized(Self.normals(r * n, 7, 0.3), out: r, in: n)
        let bias = Self.normals(out, 8, 1)
        let form = WeightForm.lowRankInt8(u: u, uScales: uScales, v: v, vScales: vScales)
        let linear = PreparedLinear(Linear(inFeatures: n, outFeatures: out, weight: form, bias: Tensor(bias, shape: [out]), activations: .dynamic))
        guard case let .lowRankInt8(pu, pv) = linear.form else { Issue.record("not prepared as low-rank int8"); return }
        let (ru, rv) = (W8A8Reference.runtimeWeight(values: Self.bytes(u), scales: uScales.floats(), groupSize: r),
                        W8A8Reference.runtimeWeight(values: Self.bytes(v), scales: vScales.floats(), groupSize: n))
        #expect(pu.values == ru.values && pv.values == rv.values && pu.scales == ru.scales && pv.scales == rv.scales)
        #expect(pu.inFeatures == r && pu.outFeatures == out && pv.inFeatures == n && pv.outFeatures == r)
        let middle = W8A8Reference.linear(Self.input(n), rows: Self.rows, values: Self.bytes(v), scales: vScales.floats(), groupSize: n,
                                          out: r, bias: nil).map { Float($0) }
        Self.expectMatches(linear, W8A8Reference.linear(middle, rows: Self.rows, values: Self.bytes(u), scales: uScales.floats(), groupSize: r,
                                                        out: out, bias: bias),
                           tolerance: 1e-5, comment: "dynamic low-rank int8 \(out)×\(r)×\(n)")
        let widened = PreparedLinear(Linear(inFeatures: n, outFeatures: out, weight: form, bias: Tensor(bias, shape: [out])))
        let ud = Int8LinearTests.dequantized(u, uScales), vd = Int8LinearTests.dequantized(v, vScales)
        var w = [Double](repeating: 0, count: out * n)
        for o in 0..<out {
            for i in 0..<n {
                for k in 0..<r { w[o * n + i] += Double(ud[o * r + k]) * Double(vd[k * n + i]) }
            }
        }
        Self.expectMatchesNaive(widened, dense: w, bias: bias, comment: "weight-only low-rank int8 \(out)×\(r)×\(n)")
    }
}
