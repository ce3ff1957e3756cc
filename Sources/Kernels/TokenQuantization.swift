import CQuantKernels

/// Dynamic asymmetric quantization of activations, one scale and zero point per row (per token),
/// computed from the row's own values at each call; the input side of an int8 GEMM. For row r of
/// x [rows, k] and the code range 0…Q (Q = `Int8GEMM.capability.activationMaximum`):
///
///     lo = min(0, min_i x[r, i]),  hi = max(0, max_i x[r, i])   (NaN values skipped)
///     s[r] = (hi − lo) / Q   (1 for an all-zero row),   z[r] = roundHalfEven(−lo / s[r]) ∈ 0…Q
///     q[r, i] = clamp(roundHalfEven(x[r, i] · (1/s[r]) + z[r]), 0, Q)   (NaN → 0)
///
/// so x ≈ s·(q − z) within s/2 over the row's range, and x = 0 gives q = z exactly (zero padding
/// and ReLU zeros stay exact). Per row rather than per tensor (ONNX Runtime's dynamic default):
/// one outlier token then coarsens only its own row. The loop is C (`CQuantKernels`), vectorised
/// by clang, each product and sum rounded separately (no FMA).
public enum TokenQuantization {
    /// Quantizes x [rows, columns] (row stride `ldx`) into q u8 [rows, columns] (dense),
    /// scales [rows] and zeroPoints [rows].
    public static func quantize(_ x: UnsafePointer<Float>, rows: Int, columns: Int, ldx: Int, maximum: UInt8,
                                into q: UnsafeMutablePointer<UInt8>, scales: UnsafeMutablePointer<Float>,
                                zeroPoints: UnsafeMutablePointer<Int32>) {
        guard rows > 0 else { return }
        nonisolated(unsafe) let (x, q, scales, zeroPoints) = (x, q, scales, zeroPoints)
        RowParallel.forEach(rows: rows, elementsPerRow: columns) { r in
            pare_quantize_rows(x + r.lowerBound * ldx, Int64(r.count), Int64(columns), Int64(ldx), Int32(maximum),
                               q + r.lowerBound * columns, scales + r.lowerBound, zeroPoints + r.lowerBound)
        }
    }
}
