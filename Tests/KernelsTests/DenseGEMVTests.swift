import NumericTolerance
import Testing
import TensorCore
@testable import Kernels

/// `DenseGEMV`: decode-time linears on f32 weights. Oracle: a naive Double sum (within the bound
/// of a reordered f32 sum); `HalfGEMM`'s GEMV on the same values stored as bf16 (the same order
/// of additions, so the same bits); itself across the AVX2/AVX-512 paths and thread counts.
@Suite struct DenseGEMVTests {
    static func run(_ x: [Float], rows: Int, _ w: [Float], out: Int, in k: Int, start: [Float]? = nil,
                    isa: HalfGEMM.ISA = .automatic) -> [Float] {
        var y = start ?? [Float](repeating: .nan, count: rows * out)
        x.withUnsafeBufferPointer { xp in
            w.withUnsafeBufferPointer { wp in
                y.withUnsafeMutableBufferPointer { yp in
                    DenseGEMV.multiply(xp.baseAddress!, rows: rows, weight: wp.baseAddress!, inFeatures: k, outFeatures: out,
                                       into: yp.baseAddress!, accumulate: start != nil, isa: isa)
                }
            }
        }
        return y
    }

    /// 1–4 rows, lengths with and without a 16-lane tail, outputs not a multiple of the 4-row block.
    @Test(arguments: [(1, 1, 1), (1, 37, 2061), (3, 130, 384), (4, 5, 15), (2, 9, 16)])
    func matchesTheNaiveSum(shape: (Int, Int, Int)) {
        let (rows, out, k) = shape
        let w = KernelTestSupport.normals(out * k, seed: 41, standardDeviation: 0.05)
        let x = KernelTestSupport.normals(rows * k, seed: 42)
        let magnitude = Double(k) * 4 * 0.2
        expectClose(Self.run(x, rows: rows, w, out: out, in: k), HalfGEMMTests.naive(x, rows: rows, w, out: out, in: k, start: nil),
                    .reordered(sumOf: k, magnitude: magnitude), "\(shape)")
        let y0 = KernelTestSupport.normals(rows * out, seed: 43)
        expectClose(Self.run(x, rows: rows, w, out: out, in: k, start: y0),
                    HalfGEMMTests.naive(x, rows: rows, w, out: out, in: k, start: y0),
                    .reordered(sumOf: k + 1, magnitude: magnitude + 4), "\(shape) accumulating")
    }

    /// On weights a bf16 holds exactly, the f32 GEMV gives the bf16 GEMV's bits: one kernel, one order.
    @Test func equalsTheHalfGEMVOnTheSameValues() {
        let (rows, out, k) = (3, 67, 531)
        let (bits, w) = HalfGEMMTests.weight(out: out, in: k, storage: .bf16, seed: 44)
        let x = KernelTestSupport.normals(rows * k, seed: 45)
        let y0 = KernelTestSupport.normals(rows * out, seed: 46)
        #expect(Self.run(x, rows: rows, w, out: out, in: k, start: y0)
                == HalfGEMMTests.run(x, rows: rows, bits, storage: .bf16, out: out, in: k, start: y0))
    }

    /// AVX2 and AVX-512 (where the CPU has it) give the same bits, and so do 1 and 2 threads.
    @Test func bitsDoNotDependOnISAOrThreads() {
        let (rows, out, k) = (1, 1203, 1043)
        let w = KernelTestSupport.normals(out * k, seed: 47, standardDeviation: 0.05)
        let x = KernelTestSupport.normals(rows * k, seed: 48)
        let avx2 = Self.run(x, rows: rows, w, out: out, in: k, isa: .avx2)
        if HalfGEMM.isa == .avx512 { #expect(Self.run(x, rows: rows, w, out: out, in: k, isa: .avx512) == avx2) }
        let one = BLASThreads.withCount(1) { Self.run(x, rows: rows, w, out: out, in: k) }
        let two = BLASThreads.withCount(2) { Self.run(x, rows: rows, w, out: out, in: k) }
        #expect(one == two && one == avx2)
    }
}
