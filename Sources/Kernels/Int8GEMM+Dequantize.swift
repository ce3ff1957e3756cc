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
    /// With `activation` (not with `accumulate`), y = act(y) follows row by row while the row is
    /// still in cache (the same arithmetic as `Activations.biasAndActivate` without bias).
    public static func dequantize(_ c: UnsafePointer<Int32>, ldc: Int, rows: Int, columns: Int,
                                  rowScales: UnsafePointer<Float>, zeroPoints: UnsafePointer<Int32>,
                                  columnScales: UnsafePointer<Float>, columnSums: UnsafePointer<Int32>,
                                  bias: UnsafePointer<Float>?, into y: UnsafeMutablePointer<Float>, ldy: Int, accumulate: Bool,
                                  activation: Activations.Kind? = nil) {
        guard rows > 0, columns > 0 else { return }
        precondition(!accumulate || activation == nil, "an activation applies to a fresh output, not to a sum")
        nonisolated(unsafe) let (c, rowScales, zeroPoints, columnScales, columnSums, bias, y) =
            (c, rowScales, zeroPoints, columnScales, columnSums, bias, y)
        RowParallel.forEach(rows: rows, elementsPerRow: columns) { range in
            guard let activation else {
                pare_dequantize_accumulators(c + range.lowerBound * ldc, Int64(ldc), Int64(range.count), Int64(columns),
                                             rowScales + range.lowerBound, zeroPoints + range.lowerBound, columnScales, columnSums,
                                             bias, y + range.lowerBound * ldy, Int64(ldy), accumulate ? 1 : 0)
                return
            }
            for r in range {
                pare_dequantize_accumulators(c + r * ldc, Int64(ldc), 1, Int64(columns), rowScales + r, zeroPoints + r,
                                             columnScales, columnSums, bias, y + r * ldy, Int64(ldy), 0)
                Activations.biasAndActivateSerially(y + r * ldy, rows: 1, columns: columns, ldy: ldy, bias: nil, activation: activation)
            }
        }
    }
}
