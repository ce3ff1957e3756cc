import NumericTolerance
import Testing
import TensorCore
@testable import Kernels

/// `HalfGEMM`: linears computed from bf16/f16 weights. Oracle: a naive Double sum of x · W
/// widened by `Tensor.floats()` (every 16-bit value is exact in f32), within the bound of a
/// reordered f32 sum; the GEMV against itself for bits across the AVX2/AVX-512 paths and thread counts.
@Suite struct HalfGEMMTests {
    /// W [out, in] as 16-bit bytes of `storage`, and its exact f32 values.
    static func weight(out: Int, in k: Int, storage: HalfGEMM.Storage, seed: UInt64) -> (bits: [UInt16], floats: [Float]) {
        let values = KernelTestSupport.normals(out * k, seed: seed, standardDeviation: 0.05)
        let t = Tensor(values, shape: [out, k], dtype: storage == .bf16 ? .bf16 : .f16)
        let bits = t.withUnsafeBytes { Array($0.bindMemory(to: UInt16.self)) }
        return (bits, t.floats())
    }

    /// y = x·Wᵀ (+ y0) in Double, rounded once.
    static func naive(_ x: [Float], rows: Int, _ w: [Float], out: Int, in k: Int, start y0: [Float]?) -> [Float] {
        (0..<(rows * out)).map { e in
            let (r, o) = (e / out, e % out)
            var s = y0.map { Double($0[e]) } ?? 0
            for i in 0..<k { s += Double(x[r * k + i]) * Double(w[o * k + i]) }
            return Float(s)
        }
    }

    static func run(_ x: [Float], rows: Int, _ bits: [UInt16], storage: HalfGEMM.Storage, out: Int, in k: Int,
                    start: [Float]? = nil, isa: HalfGEMM.ISA = .automatic) -> [Float] {
        var y = start ?? [Float](repeating: .nan, count: rows * out)
        var scratch = [Float](repeating: 0, count: max(1, HalfGEMM.scratchCount(rows: rows, inFeatures: k, outFeatures: out)))
        x.withUnsafeBufferPointer { xp in
            bits.withUnsafeBytes { w in
                y.withUnsafeMutableBufferPointer { yp in
                    scratch.withUnsafeMutableBufferPointer { s in
                        HalfGEMM.multiply(xp.baseAddress!, rows: rows, weight: w.baseAddress!, storage: storage, inFeatures: k,
                                          outFeatures: out, into: yp.baseAddress!, accumulate: start != nil, scratch: s.baseAddress!,
                                          isa: isa)
                    }
                }
            }
        }
        return y
    }

    /// Both storages, GEMV (1, 3 rows) and tiled (9, 130 rows) paths, lengths with and without a
    /// 16-lane tail, outputs not a multiple of the 4-row block nor of the 128-row tile.
    @Test(arguments: [HalfGEMM.Storage.bf16, .f16], [(1, 1, 1), (1, 37, 2061), (3, 130, 384), (4, 5, 15), (9, 131, 100), (130, 257, 64)])
    func matchesTheNaiveSum(storage: HalfGEMM.Storage, shape: (Int, Int, Int)) {
        let (rows, out, k) = shape
        let (bits, w) = Self.weight(out: out, in: k, storage: storage, seed: 11)
        let x = KernelTestSupport.normals(rows * k, seed: 12)
        let magnitude = Double(k) * 4 * 0.2
        expectClose(Self.run(x, rows: rows, bits, storage: storage, out: out, in: k), Self.naive(x, rows: rows, w, out: out, in: k, start: nil),
                    .reordered(sumOf: k, magnitude: magnitude), "\(storage) \(shape)")
        let y0 = KernelTestSupport.normals(rows * out, seed: 13)
        expectClose(Self.run(x, rows: rows, bits, storage: storage, out: out, in: k, start: y0),
                    Self.naive(x, rows: rows, w, out: out, in: k, start: y0), .reordered(sumOf: k + 1, magnitude: magnitude + 4),
                    "\(storage) \(shape) accumulating")
    }

    /// The GEMV adds in one fixed order: AVX2 and AVX-512 give the same bits (where the CPU has
    /// AVX-512), and so do 1 and 2 threads.
    @Test(arguments: [HalfGEMM.Storage.bf16, .f16])
    func gemvBitsDoNotDependOnISAOrThreads(storage: HalfGEMM.Storage) {
        let (rows, out, k) = (2, 203, 1043)
        let (bits, _) = Self.weight(out: out, in: k, storage: storage, seed: 21)
        let x = KernelTestSupport.normals(rows * k, seed: 22)
        let avx2 = Self.run(x, rows: rows, bits, storage: storage, out: out, in: k, isa: .avx2)
        if HalfGEMM.isa == .avx512 {
            #expect(Self.run(x, rows: rows, bits, storage: storage, out: out, in: k, isa: .avx512) == avx2)
        }
        let one = BLASThreads.withCount(1) { Self.run(x, rows: rows, bits, storage: storage, out: out, in: k) }
        let two = BLASThreads.withCount(2) { Self.run(x, rows: rows, bits, storage: storage, out: out, in: k) }
        #expect(one == two && one == avx2)
    }

    /// Widening is exact: it equals `Tensor.floats()` bit for bit, tails included.
    @Test(arguments: [HalfGEMM.Storage.bf16, .f16], KernelTestSupport.lengths)
    func widenIsExact(storage: HalfGEMM.Storage, count: Int) {
        let (bits, w) = Self.weight(out: 1, in: count, storage: storage, seed: 31)
        var out = [Float](repeating: .nan, count: count)
        bits.withUnsafeBufferPointer { b in
            out.withUnsafeMutableBufferPointer { o in
                if count > 0 { HalfGEMM.widen(b.baseAddress!, storage: storage, count: count, into: o.baseAddress!) }
            }
        }
        #expect(out.map(\.bitPattern) == w.map(\.bitPattern))
    }
}
