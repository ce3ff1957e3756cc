import CQuantKernels

extension Int8GEMM {
    /// The f32 output of an int8 linear from its int32 accumulators, one pass over [rows, columns]:
    ///
    ///     y[r, o] = Float(C[r, o] − z[r] · Σ_i W[o, i]) · (s_w[o] · s_a[r]) + b[o]   (+ y[r, o] with `accumulate`)
    ///
    /// where C = q·Wᵀ from `multiply`, q the activation codes with row scales s_a and zero points z
    /// (`TokenQuantization`), s_w the weight's scales and Σ_i W[o, i] its column sums (over the
    /// inputs C summed). The integer part is exact; then one f32 rounding per operation, in the
    /// order written. `columnScales`, `columnSums` and `bias` are [columns]; `bias` may be nil.
    public static func dequantize(_ c: UnsafePointer<Int32>, ldc: Int, rows: Int, columns: Int,
                                  rowScales: UnsafePointer<Float>, zeroPoints: UnsafePointer<Int32>,
                                  columnScales: UnsafePointer<Float>, columnSums: UnsafePointer<Int32>,
                                  bias: UnsafePointer<Float>?, into y: UnsafeMutablePointer<Float>, ldy: Int, accumulate: Bool) {
        guard rows > 0, columns > 0 else { return }
        nonisolated(unsafe) let (c, rowScales, zeroPoints, columnScales, columnSums, bias, y) =
            (c, rowScales, zeroPoints, columnScales, columnSums, bias, y)
        RowParallel.forEach(rows: rows, elementsPerRow: columns) { r in
            pare_dequantize_accumulators(c + r.lowerBound * ldc, Int64(ldc), Int64(r.count), Int64(columns),
                                         rowScales + r.lowerBound, zeroPoints + r.lowerBound, columnScales, columnSums,
                                         bias, y + r.lowerBound * ldy, Int64(ldy), accumulate ? 1 : 0)
        }
    }
}
