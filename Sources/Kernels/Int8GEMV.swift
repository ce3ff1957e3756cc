import CDecodeKernels

/// C [m, n] = A [m, k] · Bᵀ for u8 codes A and s8 weights B [n, k], exact in int32: the product
/// `Int8GEMM.multiply` computes, for the few rows of decoding (m ≤ `maximumRows`), where a GEMM
/// library's packing costs more than the arithmetic. B is read once for all rows of A, in
/// blocks of 4 weight rows (`pare_int8_gemv`: products widened to int16 and paired into int32,
/// never saturated); the outputs are split over the BLAS threads. Integer sums are exact, so the
/// result equals `Int8GEMM.multiply`'s bit for bit on any ISA and any split.
public enum Int8GEMV {
    /// Up to this many rows of A run here; more run `Int8GEMM`.
    public static let maximumRows = 4

    public static func multiply(_ a: UnsafePointer<UInt8>, lda: Int, _ b: UnsafePointer<Int8>, ldb: Int,
                                into c: UnsafeMutablePointer<Int32>, ldc: Int, m: Int, n: Int, k: Int,
                                isa: HalfGEMM.ISA = .automatic) {
        guard m > 0, n > 0 else { return }
        nonisolated(unsafe) let (a, b, c) = (a, b, c)
        let blocks = (n + 3) / 4
        RowParallel.forEach(rows: blocks, elementsPerRow: 4 * k * m) { range in
            pare_int8_gemv(isa.rawValue, a, Int64(lda), b, Int64(ldb), c, Int64(ldc), Int64(m),
                           Int64(range.lowerBound * 4), Int64(min(n, range.upperBound * 4)), Int64(k))
        }
    }
}
