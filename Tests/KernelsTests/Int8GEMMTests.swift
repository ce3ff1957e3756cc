import Testing
import TensorCore
@testable import Kernels

/// oneDNN's u8×s8 GEMM and the passes around it. Oracles: a naive Int64 sum for the GEMM (exact
/// equality), the formulas of `TokenQuantization` and `Int8GEMM.dequantize` written out here in
/// scalar Swift (exact equality: the kernels promise one rounding per operation, no FMA), and
/// `Elementwise.add` then `Activations.*` for the fused epilogue (same bits).
///
/// The exactness test runs on whatever kernel this machine takes; `make test` runs this suite a
/// second time with `DNNL_MAX_CPU_ISA=AVX2`, the non-VNNI path whose u8×s8 pairs saturate int16
/// unless activations keep to 7 bits.
@Suite struct Int8GEMMTests {
    /// Codes at the extremes of what the runtime may produce (the activation maximum and 0,
    /// in runs) against weights ±127 in runs of the same sign, so that adjacent products add up
    /// to the most an int16 pair could hold, plus seeded random codes and weights.
    static func adversarial(m: Int, n: Int, k: Int, maximum: UInt8, weightMaximum w: Int8 = 127, seed: UInt64) -> ([UInt8], [Int8]) {
        var rng = SplitMix64(seed: seed)
        let a = (0..<(m * k)).map { i -> UInt8 in
            switch (i / 7) % 3 {
            case 0: maximum
            case 1: 0
            default: UInt8.random(in: 0...maximum, using: &rng)
            }
        }
        let b = (0..<(n * k)).map { i -> Int8 in
            switch (i / 5) % 4 {
            case 0: w
            case 1: -w
            case 2: (i / 2) % 2 == 0 ? w : -w
            default: Int8.random(in: -w...w, using: &rng)
            }
        }
        return (a, b)
    }

    @Test func capabilityIsDecidedFromTheISAAndAProbe() {
        let capability = Int8GEMM.capability
        #expect(capability.activationMaximum == 255 || capability.activationMaximum == 127,
                "this machine has no exact u8×s8 kernel: \(capability)")
        if capability.activationMaximum == 255 {
            #expect(Int8GEMM.hasVNNI, "full-range activations only where the ISA multiplies u8·s8 into int32 (VNNI)")
        }
    }

    /// C = A·Bᵀ equals the Int64 sum exactly, for shapes with odd sizes, k not a multiple of 4,
    /// strided operands and a single row or column.
    @Test(arguments: [(1, 1, 1), (3, 5, 7), (17, 33, 129), (64, 48, 512), (130, 70, 384), (1, 300, 1536), (256, 1, 64)])
    func multiplyIsExactOnAdversarialInputs(shape: (Int, Int, Int)) throws {
        let (m, n, k) = shape
        let maximum = try #require(Int8GEMM.capability.activationMaximum)
        let (a, b) = Self.adversarial(m: m, n: n, k: k, maximum: maximum, seed: UInt64(m * 1000 + n))
        // Strided: A and B rows padded by 3, C rows by 2 (the padding must stay untouched).
        let lda = k + 3, ldb = k + 3, ldc = n + 2
        var sa = [UInt8](repeating: 9, count: m * lda), sb = [Int8](repeating: 9, count: n * ldb)
        for i in 0..<m { for p in 0..<k { sa[i * lda + p] = a[i * k + p] } }
        for j in 0..<n { for p in 0..<k { sb[j * ldb + p] = b[j * k + p] } }
        var c = [Int32](repeating: -1, count: m * ldc), expected = c
        Int8GEMM.multiply(sa, lda: lda, sb, ldb: ldb, into: &c, ldc: ldc, m: m, n: n, k: k)
        for i in 0..<m {
            for j in 0..<n {
                var sum: Int64 = 0
                for p in 0..<k { sum += Int64(a[i * k + p]) * Int64(b[j * k + p]) }
                expected[i * ldc + j] = Int32(sum)
            }
        }
        #expect(c == expected, "\(m)×\(n)×\(k) on \(Int8GEMM.capability)")
    }

    /// 7-bit weights (−63…63, `int8-quantize{weight-bits=7}` or narrowed at load) run against
    /// full-range activations (0…255) on every ISA: a pair of products, 2·255·63 = 32 130, fits
    /// int16. Exact against the Int64 sum, on the kernel this machine takes (and on AVX2 in
    /// `make test`'s second run).
    @Test(arguments: [(3, 5, 7), (64, 48, 512), (130, 70, 384), (1, 300, 1536)])
    func sevenBitWeightsTakeFullRangeActivationsExactly(shape: (Int, Int, Int)) throws {
        let (m, n, k) = shape
        #expect(Int8GEMM.activationMaximum(weightMaximum: 63) == 255, "\(Int8GEMM.capability)")
        #expect(Int8GEMM.activationMaximum(weightMaximum: 127) == Int8GEMM.capability.activationMaximum)
        #expect(Int8GEMM.narrowsWeights == (Int8GEMM.capability.activationMaximum == 127))
        let (a, b) = Self.adversarial(m: m, n: n, k: k, maximum: 255, weightMaximum: 63, seed: UInt64(m * 7 + n))
        var c = [Int32](repeating: -1, count: m * n), expected = c
        Int8GEMM.multiply(a, lda: k, b, ldb: k, into: &c, ldc: n, m: m, n: n, k: k)
        Int8GEMM.reference(a, lda: k, b, ldb: k, into: &expected, ldc: n, m: m, n: n, k: k)
        #expect(c == expected, "\(m)×\(n)×\(k), 255 × ±63 on \(Int8GEMM.capability)")
    }

    /// The saturation the 7-bit range avoids is real where the ISA lacks VNNI: 255·127 + 255·127
    /// does not fit int16. (Documents why `capability` exists; passes on any machine.)
    @Test func fullRangePairsOverflowInt16() {
        #expect(255 * 127 * 2 > Int(Int16.max) && 127 * 127 * 2 <= Int(Int16.max))
    }

    /// Codes, scales and zero points equal the type's formula evaluated here in scalar Float
    /// arithmetic, on rows with zeros, all-positive and all-negative values, a constant row, an
    /// outlier, a NaN, and the awkward lengths.
    @Test(arguments: KernelTestSupport.lengths.filter { $0 > 0 })
    func tokenQuantizationMatchesItsFormula(columns: Int) throws {
        let maximum = try #require(Int8GEMM.capability.activationMaximum)
        let rows = 6
        var x = KernelTestSupport.normals(rows * columns, seed: UInt64(columns), standardDeviation: 3)
        for i in 0..<columns {
            x[columns + i] = abs(x[columns + i])        // row 1: no negative value (z = 0)
            x[2 * columns + i] = -abs(x[2 * columns + i]) // row 2: no positive value (z = Q)
            x[3 * columns + i] = 0                       // row 3: all zero (s = 1, z = 0)
        }
        x[4 * columns] = 1000                            // row 4: an outlier
        x[5 * columns + columns / 2] = .nan              // row 5: a NaN (skipped by the range; code 0)
        var q = [UInt8](repeating: 0, count: rows * columns), s = [Float](repeating: 0, count: rows), z = [Int32](repeating: 0, count: rows)
        TokenQuantization.quantize(x, rows: rows, columns: columns, ldx: columns, maximum: maximum, into: &q, scales: &s, zeroPoints: &z)
        let upper = Float(maximum)
        for r in 0..<rows {
            let row = x[(r * columns)..<((r + 1) * columns)]
            let lo = min(0, row.filter { !$0.isNaN }.min() ?? 0), hi = max(0, row.filter { !$0.isNaN }.max() ?? 0)
            var scale: Float = 1, zero: Float = 0
            if hi - lo > 0, (hi - lo).isFinite {
                scale = max((hi - lo) / upper, .leastNormalMagnitude)
                zero = min(max((-lo / scale).rounded(.toNearestOrEven), 0), upper)
            }
            #expect(s[r] == scale && z[r] == Int32(zero), "row \(r) of \(columns): (s, z) = (\(s[r]), \(z[r])), expected (\(scale), \(zero))")
            let inverse = 1 / scale
            for i in 0..<columns {
                var v = x[r * columns + i] * inverse
                v = v + zero
                v = v.isNaN ? 0 : min(max(v, 0), upper)
                #expect(q[r * columns + i] == UInt8(v.rounded(.toNearestOrEven)), "row \(r), column \(i) of \(columns)")
            }
        }
    }

    /// y = Float(C − z·Σw)·(s_w·s_a) + b (+ y) evaluated here, for bias/no bias × accumulate/not.
    @Test(arguments: [1, 15, 16, 47, 385])
    func dequantizeMatchesItsFormula(columns: Int) {
        let rows = 5, ldc = columns + 1, ldy = columns + 2
        var rng = SplitMix64(seed: UInt64(columns))
        let c = (0..<(rows * ldc)).map { _ in Int32.random(in: -5_000_000...5_000_000, using: &rng) }
        let sums = (0..<columns).map { _ in Int32.random(in: -20_000...20_000, using: &rng) }
        let rowScales = KernelTestSupport.uniforms(rows, seed: 1, in: 0.001..<0.1)
        let zeros = (0..<rows).map { _ in Int32.random(in: 0...255, using: &rng) }
        let columnScales = KernelTestSupport.uniforms(columns, seed: 2, in: 0.0001..<0.01)
        let bias = KernelTestSupport.normals(columns, seed: 3)
        let y0 = KernelTestSupport.normals(rows * ldy, seed: 4)
        for (withBias, accumulate) in [(false, false), (true, false), (false, true), (true, true)] {
            var y = y0
            bias.withUnsafeBufferPointer { b in
                Int8GEMM.dequantize(c, ldc: ldc, rows: rows, columns: columns, rowScales: rowScales, zeroPoints: zeros,
                                    columnScales: columnScales, columnSums: sums, bias: withBias ? b.baseAddress! : nil,
                                    into: &y, ldy: ldy, accumulate: accumulate)
            }
            var expected = y0
            for r in 0..<rows {
                for o in 0..<columns {
                    var v = Float(c[r * ldc + o] - zeros[r] * sums[o]) * (columnScales[o] * rowScales[r])
                    if withBias { v = v + bias[o] }
                    if accumulate { v = v + y0[r * ldy + o] }
                    expected[r * ldy + o] = v
                }
            }
            #expect(y == expected, "bias \(withBias), accumulate \(accumulate), \(columns) columns")
        }
    }

    /// Dequantization with a fused activation equals dequantization then the activation, bit for
    /// bit, on enough rows (64 × 1536) that the rows are split across threads.
    @Test func dequantizeWithActivationEqualsDequantizeThenActivate() {
        let rows = 64, columns = 1536
        var rng = SplitMix64(seed: 11)
        let c = (0..<(rows * columns)).map { _ in Int32.random(in: -2_000_000...2_000_000, using: &rng) }
        let sums = (0..<columns).map { _ in Int32.random(in: -9_000...9_000, using: &rng) }
        let rowScales = KernelTestSupport.uniforms(rows, seed: 12, in: 0.001..<0.02)
        let zeros = (0..<rows).map { _ in Int32.random(in: 0...255, using: &rng) }
        let columnScales = KernelTestSupport.uniforms(columns, seed: 13, in: 0.0001..<0.002)
        let bias = KernelTestSupport.normals(columns, seed: 14)
        for kind in [Activations.Kind.gelu, .geluTanh, .relu, .silu] {
            var fused = [Float](repeating: 0, count: rows * columns), separate = fused
            bias.withUnsafeBufferPointer { b in
                Int8GEMM.dequantize(c, ldc: columns, rows: rows, columns: columns, rowScales: rowScales, zeroPoints: zeros,
                                    columnScales: columnScales, columnSums: sums, bias: b.baseAddress!, into: &fused, ldy: columns,
                                    accumulate: false, activation: kind)
                Int8GEMM.dequantize(c, ldc: columns, rows: rows, columns: columns, rowScales: rowScales, zeroPoints: zeros,
                                    columnScales: columnScales, columnSums: sums, bias: b.baseAddress!, into: &separate, ldy: columns,
                                    accumulate: false)
            }
            Activations.biasAndActivate(&separate, rows: rows, columns: columns, ldy: columns, bias: nil, activation: kind)
            #expect(fused.map(\.bitPattern) == separate.map(\.bitPattern), "\(kind)")
        }
    }

    /// The fused bias + activation equals `Elementwise.add` then the activation, bit for bit.
    @Test(arguments: KernelTestSupport.lengths)
    func biasAndActivateEqualsAddThenActivate(columns: Int) {
        let rows = 3, ldy = columns + 1
        let y0 = KernelTestSupport.normals(rows * ldy, seed: 7, standardDeviation: 3)
        let bias = KernelTestSupport.normals(max(1, columns), seed: 8)
        for kind in [Activations.Kind.gelu, .geluTanh, .relu, .silu, nil] {
            var fused = y0, separate = y0
            bias.withUnsafeBufferPointer { b in
                Activations.biasAndActivate(&fused, rows: rows, columns: columns, ldy: ldy, bias: b.baseAddress!, activation: kind)
            }
            separate.withUnsafeMutableBufferPointer { y in
                for r in 0..<rows {
                    let row = y.baseAddress! + r * ldy
                    Elementwise.add(row, bias, count: columns)
                    switch kind {
                    case .gelu: Activations.gelu(row, count: columns)
                    case .geluTanh: Activations.geluTanh(row, count: columns)
                    case .relu: Activations.relu(row, count: columns)
                    case .silu: Activations.silu(row, count: columns)
                    case nil: break
                    }
                }
            }
            #expect(fused.map(\.bitPattern) == separate.map(\.bitPattern), "\(String(describing: kind)), \(columns) columns")
        }
    }
}
