import CDecodeKernels

/// Linears computed from weights stored as 16-bit floats (bf16 or f16), without widening the
/// whole matrix: y [rows, out] = x [rows, in] · Wᵀ (+ y), W [out, in] as stored (a mapped file
/// region or owned bytes; any 2-byte alignment).
///
/// - rows ≤ `gemvRows` (decoding): a GEMV in C (`pare_half_gemv`) reads each weight once for all
///   rows and widens it in registers (bf16: a 16-bit shift; f16: F16C). The outputs are split over
///   the BLAS threads; each output is one fixed sum (16 lanes, then pairwise), so any split, and
///   the AVX2 and AVX-512 paths, give the same bits.
/// - more rows (prefill): `tileRows` weight rows at a time are widened into `scratch` and run
///   as one sgemm into their column block of y, so memory holds W as stored plus one f32 tile.
public enum HalfGEMM {
    /// How the 16 bits of a weight are read.
    public enum Storage: Int32, Sendable {
        case bf16 = 0
        case f16 = 1
    }

    /// The vector instructions of the GEMV: `automatic` is AVX-512 where the CPU has it, unless
    /// the environment sets `PARE_CPU_ISA=avx2`.
    public enum ISA: Int32, Sendable {
        case automatic = 0
        case avx2 = 1
        case avx512 = 2
    }

    /// Up to this many rows of x run the GEMV; more run widened tiles through sgemm.
    public static let gemvRows = 4
    /// Weight rows widened per sgemm of the tiled path (at most 256 × 5632 × 4 bytes = 5.8 MB of
    /// scratch on TinyLlama's shapes). Measured on this machine, 32 × 2048 · (5632 × 2048)ᵀ on 2
    /// threads: 128-row tiles ran several times slower than one f32 sgemm; 256 and more match it.
    public static let tileRows = 256

    /// The instruction set `automatic` resolves to on this machine.
    public static var isa: ISA { ISA(rawValue: pare_decode_isa()) ?? .avx2 }

    /// Floats `multiply` needs in `scratch` for x with `rows` rows: none for the GEMV, else one
    /// tile of `tileRows` × in.
    public static func scratchCount(rows: Int, inFeatures: Int, outFeatures: Int) -> Int {
        rows <= gemvRows ? 0 : min(tileRows, outFeatures) * inFeatures
    }

    /// y [rows, out] (row stride ldy) = x [rows, in] (row stride ldx) · Wᵀ, or y += that with
    /// `accumulate`. `weight` points at W [out, in] of `storage`; `scratch` holds
    /// `scratchCount(rows:inFeatures:outFeatures:)` floats (may be nil when that is 0).
    public static func multiply(_ x: UnsafePointer<Float>, rows: Int, ldx: Int? = nil, weight: UnsafeRawPointer, storage: Storage,
                                inFeatures: Int, outFeatures: Int, into y: UnsafeMutablePointer<Float>, ldy: Int? = nil,
                                accumulate: Bool = false, scratch: UnsafeMutablePointer<Float>?, isa: ISA = .automatic) {
        guard rows > 0, outFeatures > 0 else { return }
        let ldx = ldx ?? inFeatures, ldy = ldy ?? outFeatures
        let w = weight.assumingMemoryBound(to: UInt16.self)
        guard inFeatures > 0 else { // x·Wᵀ = 0
            if !accumulate { for r in 0..<rows { (y + r * ldy).update(repeating: 0, count: outFeatures) } }
            return
        }
        if rows <= gemvRows {
            nonisolated(unsafe) let (x, y) = (x, y)
            DenseGEMV.splitOutputs(outFeatures, work: inFeatures * rows) { begin, end in
                pare_half_gemv(isa.rawValue, storage.rawValue, w, Int64(inFeatures), x, Int64(ldx), Int64(rows), y, Int64(ldy),
                               Int64(begin), Int64(end), accumulate ? 1 : 0)
            }
            return
        }
        guard let scratch else { preconditionFailure("HalfGEMM.multiply: \(rows) rows need a scratch tile of \(tileRows) × \(inFeatures)") }
        for o in stride(from: 0, to: outFeatures, by: tileRows) {
            let n = min(tileRows, outFeatures - o)
            widen(w + o * inFeatures, storage: storage, count: n * inFeatures, into: scratch)
            GEMM.multiply(x, scratch, into: y + o, m: rows, n: n, k: inFeatures, transposeB: true, beta: accumulate ? 1 : 0,
                          lda: ldx, ldb: inFeatures, ldc: ldy)
        }
    }

    /// out[i] = W[i] as f32, i < count (exact: every bf16 and f16 value is a float).
    public static func widen(_ w: UnsafePointer<UInt16>, storage: Storage, count: Int, into out: UnsafeMutablePointer<Float>) {
        nonisolated(unsafe) let (w, out) = (w, out)
        let chunk = 4096
        RowParallel.forEach(rows: (count + chunk - 1) / chunk, elementsPerRow: chunk) { range in
            let start = range.lowerBound * chunk, end = min(count, range.upperBound * chunk)
            pare_half_widen(storage.rawValue, w + start, Int64(end - start), out + start)
        }
    }
}
