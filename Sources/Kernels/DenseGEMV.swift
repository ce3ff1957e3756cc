import CDecodeKernels

/// y [rows, out] = x [rows, in] · Wᵀ (+ y) for few rows (decoding) and f32 W [out, in]: the C
/// GEMV of `HalfGEMM` on f32 weights (`pare_f32_gemv`), which reads W once per call. An sgemm of
/// one row packs W before multiplying, reading it about twice. Each output is one fixed sum
/// (16 lanes in ascending i, then pairwise), so the split of the outputs over the BLAS threads,
/// the thread count and the AVX2 / AVX-512 paths give the same bits.
public enum DenseGEMV {
    /// Up to this many rows of x run the GEMV (x is read from cache once per block of 4 weight
    /// rows); more run sgemm.
    public static let maximumRows = 4

    /// y [rows, out] (row stride ldy) = x [rows, in] (row stride ldx) · Wᵀ, or y += that with
    /// `accumulate`; `rows` ≤ `maximumRows`.
    public static func multiply(_ x: UnsafePointer<Float>, rows: Int, ldx: Int? = nil, weight: UnsafePointer<Float>,
                                inFeatures: Int, outFeatures: Int, into y: UnsafeMutablePointer<Float>, ldy: Int? = nil,
                                accumulate: Bool = false, isa: HalfGEMM.ISA = .automatic) {
        precondition(rows <= maximumRows, "DenseGEMV.multiply: \(rows) rows; more than \(maximumRows) run sgemm")
        guard rows > 0, outFeatures > 0 else { return }
        let ldx = ldx ?? inFeatures, ldy = ldy ?? outFeatures
        nonisolated(unsafe) let (x, y, w) = (x, y, weight)
        splitOutputs(outFeatures, work: inFeatures * rows) { begin, end in
            pare_f32_gemv(isa.rawValue, w, Int64(inFeatures), x, Int64(ldx), Int64(rows), y, Int64(ldy),
                          Int64(begin), Int64(end), accumulate ? 1 : 0)
        }
    }

    /// Outputs [0, out) in blocks of 4 (the C kernels' blocks, never split) over the BLAS threads,
    /// `body(begin, end)` per thread; `work` is the elements one output costs.
    static func splitOutputs(_ outFeatures: Int, work: Int, _ body: (Int, Int) -> Void) {
        let blocks = (outFeatures + 3) / 4
        RowParallel.forEach(rows: blocks, elementsPerRow: 4 * work) { range in
            body(range.lowerBound * 4, min(outFeatures, range.upperBound * 4))
        }
    }
}
