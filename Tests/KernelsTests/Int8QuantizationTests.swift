import Foundation
import Testing
import TensorCore
@testable import Kernels

/// Oracle: the definition, evaluated one scalar at a time —
/// s_r = max|W[r, :]| / M (1 for a zero row), q = clamp(roundHalfEven(W / s_r), −M, M), M = 127
/// (8-bit weights) or 63 (7-bit). The vector kernel must agree exactly (same f32 division, same
/// rounding).
@Suite struct Int8QuantizationTests {
    static func reference(_ w: [Float], rows: Int, columns: Int, maximumCode: Float = 127) -> (q: [Int8], s: [Float]) {
        var q: [Int8] = [], s: [Float] = []
        for r in 0..<rows {
            let row = w[(r * columns)..<((r + 1) * columns)]
            let m = row.reduce(Float(0)) { max($0, abs($1)) }
            let scale = m > 0 ? max(m / maximumCode, Float.leastNormalMagnitude) : 1
            s.append(scale)
            q += row.map { Int8(min(max(($0 / scale).rounded(.toNearestOrEven), -maximumCode), maximumCode)) }
        }
        return (q, s)
    }

    /// 7-bit weights: the same definition with M = 63; every code within ±63.
    @Test(arguments: KernelTestSupport.lengths.filter { $0 > 0 })
    func sevenBitCodesMatchTheDefinition(columns: Int) {
        let rows = 3
        let w = KernelTestSupport.normals(rows * columns, seed: UInt64(columns) + 7, standardDeviation: 0.05)
        var q = [Int8](repeating: 0, count: rows * columns), s = [Float](repeating: 0, count: rows)
        _ = KernelTestSupport.misaligned(w) { p in
            q.withUnsafeMutableBufferPointer { q in
                s.withUnsafeMutableBufferPointer { s in
                    _ = Int8Quantization.quantize(p, rows: rows, columns: columns, maximumCode: 63, values: q.baseAddress!, scales: s.baseAddress!)
                }
            }
        }
        let (refQ, refS) = Self.reference(w, rows: rows, columns: columns, maximumCode: 63)
        #expect(s == refS && q == refQ)
        #expect(q.allSatisfy { abs(Int($0)) <= 63 } && q.contains { abs(Int($0)) == 63 })
    }

    static func quantize(_ w: [Float], rows: Int, columns: Int) -> (q: [Int8], s: [Float], nonFinite: Int?) {
        var q = [Int8](repeating: 0, count: rows * columns), s = [Float](repeating: 0, count: rows)
        var nonFinite: Int?
        _ = KernelTestSupport.misaligned(w) { p in
            q.withUnsafeMutableBufferPointer { q in
                s.withUnsafeMutableBufferPointer { s in
                    nonFinite = Int8Quantization.quantize(p, rows: rows, columns: columns, values: q.baseAddress!, scales: s.baseAddress!)
                }
            }
        }
        return (q, s, nonFinite)
    }

    @Test(arguments: KernelTestSupport.lengths.filter { $0 > 0 })
    func quantizeMatchesTheDefinition(columns: Int) {
        let rows = 5
        var w = KernelTestSupport.normals(rows * columns, seed: UInt64(columns), standardDeviation: 0.05)
        for i in 0..<columns { w[2 * columns + i] = 0 }        // a zero row: scale 1, all q = 0
        w[columns - 1] = 0.3                                   // the maximum in a tail lane
        let (q, s, nonFinite) = Self.quantize(w, rows: rows, columns: columns)
        let (refQ, refS) = Self.reference(w, rows: rows, columns: columns)
        #expect(nonFinite == nil)
        #expect(s == refS)
        #expect(q == refQ)
        #expect(s[2] == 1 && q[(2 * columns)..<(3 * columns)].allSatisfy { $0 == 0 })
        #expect(q.allSatisfy { $0 >= -127 }, "−128 is never produced")
    }

    @Test func roundsHalfToEvenAndHitsBothEnds() {
        // s = 127/127 = 1, so W/s is exact: halves go to the even neighbour, in the 16-lane
        // body (the first 32 values) and in the scalar tail (the last 10) alike.
        let pattern: [Float] = [127, 0.5, 1.5, 2.5, -0.5, -1.5, -2.5, -127, 126.5, 3.5000002]
        let expected: [Int8] = [127, 0, 2, 2, 0, -2, -2, -127, 126, 4]
        let w = Array([[Float]](repeating: pattern, count: 4).joined()) + [-126.5, 0.49999997]
        let (q, s, _) = Self.quantize(w, rows: 1, columns: w.count)
        #expect(s == [1])
        #expect(q == Array([[Int8]](repeating: expected, count: 4).joined()) + [-126, 0])
    }

    @Test func reportsTheFirstNonFiniteRow() {
        var w = KernelTestSupport.normals(3 * 40, seed: 7)
        w[40 + 33] = .infinity
        w[80 + 2] = .nan
        #expect(Self.quantize(w, rows: 3, columns: 40).nonFinite == 1)
        var tail = KernelTestSupport.normals(2 * 17, seed: 8)
        tail[17 + 16] = -.infinity                            // in the scalar tail
        #expect(Self.quantize(tail, rows: 2, columns: 17).nonFinite == 1)
    }

    /// Oracle: Float(q) · s, exact in f32 for |q| ≤ 127.
    @Test(arguments: KernelTestSupport.lengths.filter { $0 > 0 })
    func dequantizeIsExact(columns: Int) {
        let rows = 6
        let w = KernelTestSupport.normals(rows * columns, seed: 3, standardDeviation: 0.1)
        let (q, s, _) = Self.quantize(w, rows: rows, columns: columns)
        let range = 2..<5
        let out = KernelTestSupport.misaligned([Float](repeating: .nan, count: range.count * columns)) { out in
            q.withUnsafeBufferPointer { q in
                s.withUnsafeBufferPointer { s in
                    Int8Quantization.dequantize(q.baseAddress!, scales: s.baseAddress!, columns: columns, rows: range, into: out)
                }
            }
        }
        let expected = range.flatMap { r in (0..<columns).map { Float(q[r * columns + $0]) * s[r] } }
        #expect(out == expected)
    }

    /// Per group of g columns: the definition applied to each group (the per-row reference on
    /// the [rows·columns/g, g] reshaping), for groups shorter than, equal to and longer than the
    /// 16-lane vector; an all-zero group gets scale 1 and zeros stay exactly 0.
    @Test(arguments: [1, 3, 16, 24, 32, 96])
    func perGroupQuantizeMatchesTheDefinition(groupSize g: Int) {
        let rows = 5, columns = 96
        var w = KernelTestSupport.normals(rows * columns, seed: UInt64(g), standardDeviation: 0.05)
        for i in 0..<g { w[columns + i] = 0 }                   // the first group of row 1 all zero
        for i in stride(from: 2 * columns, to: 3 * columns, by: 2) { w[i] = 0 }   // every other weight of row 2
        var q = [Int8](repeating: 0, count: rows * columns), s = [Float](repeating: 0, count: rows * columns / g)
        _ = KernelTestSupport.misaligned(w) { p in
            q.withUnsafeMutableBufferPointer { q in
                s.withUnsafeMutableBufferPointer { s in
                    #expect(Int8Quantization.quantize(p, rows: rows, columns: columns, groupSize: g, values: q.baseAddress!, scales: s.baseAddress!) == nil)
                }
            }
        }
        let (refQ, refS) = Self.reference(w, rows: rows * columns / g, columns: g)
        #expect(s == refS)
        #expect(q == refQ)
        #expect(s[columns / g] == 1 && q[columns..<(columns + g)].allSatisfy { $0 == 0 })
        #expect(stride(from: 2 * columns, to: 3 * columns, by: 2).allSatisfy { q[$0] == 0 })
        // Per group is never worse than per row here: Σ (W − s·q)².
        let (rowQ, rowS) = Self.reference(w, rows: rows, columns: columns)
        let perRow = w.indices.reduce(0.0) { $0 + pow(Double(w[$1] - rowS[$1 / columns] * Float(rowQ[$1])), 2) }
        let perGroup = w.indices.reduce(0.0) { $0 + pow(Double(w[$1] - s[$1 / g] * Float(q[$1])), 2) }
        #expect(perGroup <= perRow)
    }

    /// Oracle: Float(q) · s[r, i / g], exact in f32; rows 2..<5 of 6 into a misaligned buffer.
    @Test(arguments: [(45, 5), (48, 16), (64, 32), (400, 80)])
    func perGroupDequantizeIsExact(shape: (Int, Int)) {
        let (columns, g) = shape, rows = 6, groups = columns / g
        let w = KernelTestSupport.normals(rows * columns, seed: 9, standardDeviation: 0.1)
        var q = [Int8](repeating: 0, count: rows * columns), s = [Float](repeating: 0, count: rows * groups)
        w.withUnsafeBufferPointer { w in
            q.withUnsafeMutableBufferPointer { q in
                s.withUnsafeMutableBufferPointer { s in
                    _ = Int8Quantization.quantize(w.baseAddress!, rows: rows, columns: columns, groupSize: g, values: q.baseAddress!, scales: s.baseAddress!)
                }
            }
        }
        let range = 2..<5
        let out = KernelTestSupport.misaligned([Float](repeating: .nan, count: range.count * columns)) { out in
            q.withUnsafeBufferPointer { q in
                s.withUnsafeBufferPointer { s in
                    Int8Quantization.dequantize(q.baseAddress!, scales: s.baseAddress!, columns: columns, groupSize: g, rows: range, into: out)
                }
            }
        }
        let expected = range.flatMap { r in (0..<columns).map { Float(q[r * columns + $0]) * s[r * groups + $0 / g] } }
        #expect(out == expected)
    }

    /// Timing, not a test (release): ns per weight of quantize and dequantize on a 3072 × 768
    /// weight, best of 20.  PARE_INT8_TIMING=1 swift test -c release --filter Int8QuantizationTests
    @Test(.enabled(if: ProcessInfo.processInfo.environment["PARE_INT8_TIMING"] == "1"))
    func timings() {
        let rows = 3072, columns = 768
        let w = KernelTestSupport.normals(rows * columns, seed: 1, standardDeviation: 0.05)
        var q = [Int8](repeating: 0, count: rows * columns), s = [Float](repeating: 0, count: rows)
        var out = [Float](repeating: 0, count: rows * columns)
        func best(_ body: () -> Void) -> Double {
            var fastest = Double.infinity
            for _ in 0..<20 {
                let start = DispatchTime.now().uptimeNanoseconds
                body()
                fastest = min(fastest, Double(DispatchTime.now().uptimeNanoseconds - start))
            }
            return fastest / Double(rows * columns)
        }
        let quantize = best {
            w.withUnsafeBufferPointer { w in
                q.withUnsafeMutableBufferPointer { q in
                    s.withUnsafeMutableBufferPointer { s in
                        _ = Int8Quantization.quantize(w.baseAddress!, rows: rows, columns: columns, values: q.baseAddress!, scales: s.baseAddress!)
                    }
                }
            }
        }
        let dequantize = best {
            q.withUnsafeBufferPointer { q in
                s.withUnsafeBufferPointer { s in
                    out.withUnsafeMutableBufferPointer {
                        Int8Quantization.dequantize(q.baseAddress!, scales: s.baseAddress!, columns: columns, rows: 0..<rows, into: $0.baseAddress!)
                    }
                }
            }
        }
        print(String(format: "int8 quantize %.3f ns/weight, dequantize %.3f ns/weight (%d × %d)", quantize, dequantize, rows, columns))
    }
}
