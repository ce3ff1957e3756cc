import Testing
@testable import Kernels

/// `Int8GEMV`: the few-row u8×s8 → s32 product of decoding. Oracle: the naive Int64 sum (exact
/// equality), on full-range codes (0…255) against full-range weights (±127, runs of one sign, so
/// pairs of products exceed int16), strided operands, on both the AVX2 and (where the CPU has
/// it) AVX-512 paths (VNNI's vpdpbusd, 8 rows at a time, where the CPU has that too: k a multiple
/// of 64 or with a masked tail, n not a multiple of 8, FFN-long sums) and on 1 and 2 threads.
@Suite struct Int8GEMVTests {
    @Test(arguments: [(1, 1, 1), (1, 5, 7), (2, 33, 129), (3, 70, 384), (4, 301, 1536), (1, 9, 48), (2, 8, 64), (1, 17, 5632)])
    func exactOnFullRangeInputs(shape: (Int, Int, Int)) {
        let (m, n, k) = shape
        let (a, b) = Int8GEMMTests.adversarial(m: m, n: n, k: k, maximum: 255, weightMaximum: 127, seed: UInt64(m * 100 + n))
        let lda = k + 3, ldb = k + 5, ldc = n + 2
        var sa = [UInt8](repeating: 9, count: m * lda), sb = [Int8](repeating: 9, count: n * ldb)
        for i in 0..<m { for p in 0..<k { sa[i * lda + p] = a[i * k + p] } }
        for j in 0..<n { for p in 0..<k { sb[j * ldb + p] = b[j * k + p] } }
        var expected = [Int32](repeating: -1, count: m * ldc)
        for i in 0..<m {
            for j in 0..<n {
                var sum: Int64 = 0
                for p in 0..<k { sum += Int64(a[i * k + p]) * Int64(b[j * k + p]) }
                expected[i * ldc + j] = Int32(sum)
            }
        }
        var isas: [HalfGEMM.ISA] = [.avx2]
        if HalfGEMM.isa == .avx512 { isas.append(.avx512) }
        for isa in isas {
            for threads in [1, 2] {
                var c = [Int32](repeating: -1, count: m * ldc)
                BLASThreads.withCount(threads) {
                    Int8GEMV.multiply(sa, lda: lda, sb, ldb: ldb, into: &c, ldc: ldc, m: m, n: n, k: k, isa: isa)
                }
                #expect(c == expected, "\(m)×\(n)×\(k) \(isa) on \(threads) threads")
            }
        }
    }
}
