import CBLAS
import Dispatch
import Foundation

/// Matrix products on OpenBLAS. All matrices are row-major Float buffers.
public enum GEMM {
    /// C [m, n] = α · A [m, k] · op(B) + β · C, where op(B) = B [k, n], or Bᵀ for B [n, k] when
    /// `transposeB` (the layout of a Linear weight W [out, in]: y = x·Wᵀ). Row strides default
    /// to dense (lda = k, ldb = n or k, ldc = n); pass them to work on column blocks in place.
    public static func multiply(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into c: UnsafeMutablePointer<Float>,
        m: Int, n: Int, k: Int, transposeB: Bool = false, alpha: Float = 1, beta: Float = 0,
        lda: Int? = nil, ldb: Int? = nil, ldc: Int? = nil
    ) {
        guard m > 0, n > 0 else { return }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda ?? k), b, Int32(ldb ?? (transposeB ? k : n)),
                    beta, c, Int32(ldc ?? n))
    }

    /// C [m, n] += α · Aᵀ · A for A [k, m] (rows of A are samples): the Gram matrix update
    /// AᵀA used by calibration statistics; C must hold m·m values.
    public static func accumulateGram(_ a: UnsafePointer<Float>, rows k: Int, columns m: Int,
                                      into c: UnsafeMutablePointer<Float>, alpha: Float = 1) {
        guard k > 0, m > 0 else { return }
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(m), Int32(m), Int32(k), alpha, a, Int32(m),
                    a, Int32(m), 1, c, Int32(m))
    }

    /// The upper triangle (j ≥ i) of C [m, m] += α · Aᵀ · A for A [k, m]: half the work of
    /// `accumulateGram` (ssyrk); the lower triangle is left as it is. `mirrorUpper` fills it in.
    public static func accumulateGramUpper(_ a: UnsafePointer<Float>, rows k: Int, columns m: Int,
                                           into c: UnsafeMutablePointer<Float>, alpha: Float = 1) {
        guard k > 0, m > 0 else { return }
        cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(m), Int32(k), alpha, a, Int32(m), 1, c, Int32(m))
    }

    /// The upper triangle of C [m, m] += Aᵀ·A for A [k, m], as `parts` fixed row bands of C
    /// (band [i₀, i₁) × [i₀, m), one sgemm each) run side by side: the bands depend only on
    /// `parts`, so the bits do not depend on the core count. Entries below the diagonal inside a
    /// band are written too (`mirrorUpper` overwrites them). Callers run it under
    /// `BLASThreads.withCount(1)`.
    public static func accumulateGramUpper(_ a: UnsafePointer<Float>, rows k: Int, columns m: Int,
                                           into c: UnsafeMutablePointer<Float>, parts: Int) {
        guard k > 0, m > 0 else { return }
        // Bands of equal area of the upper triangle: row i carries m − i entries.
        let p = max(1, min(parts, m))
        var bounds = [0]
        for b in 1..<p { bounds.append(m - Int((Double(m) * (Double(p - b) / Double(p)).squareRoot()).rounded())) }
        bounds.append(m)
        let bands = zip(bounds, bounds.dropFirst()).map { $0..<$1 }.filter { !$0.isEmpty }
        nonisolated(unsafe) let (a, c) = (a, c)
        DispatchQueue.concurrentPerform(iterations: bands.count) { i in
            let rows = bands[i]
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(rows.count), Int32(m - rows.lowerBound), Int32(k), 1,
                        a + rows.lowerBound, Int32(m), a + rows.lowerBound, Int32(m), 1,
                        c + rows.lowerBound * m + rows.lowerBound, Int32(m))
        }
    }

    /// C[j, i] = C[i, j] for j < i: a symmetric [m, m] matrix from its upper triangle.
    /// In 64 × 64 tiles, so the column reads stay in cache.
    public static func mirrorUpper(_ c: UnsafeMutablePointer<Float>, m: Int) {
        let tile = 64
        for i0 in stride(from: 0, to: m, by: tile) {
            for j0 in stride(from: 0, through: i0, by: tile) {
                for i in i0..<min(i0 + tile, m) {
                    for j in j0..<min(j0 + tile, i) { c[i * m + j] = c[j * m + i] }
                }
            }
        }
    }

    /// `multiply(a, b, m:n:k:transposeB:)` with C's rows cut into `parts` fixed groups, each one
    /// GEMM, run side by side: the groups depend only on `parts`, so the bits do not depend on
    /// how many threads run them. Callers run it under `BLASThreads.withCount(1)`.
    public static func multiply(_ a: [Float], _ b: [Float], m: Int, n: Int, k: Int, transposeB: Bool = false, parts: Int) -> [Float] {
        precondition(a.count == m * k && b.count == k * n, "GEMM operand sizes do not match m=\(m) n=\(n) k=\(k)")
        var c = [Float](repeating: 0, count: m * n)
        let groups = FixedParts.ranges(m, parts: parts)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    nonisolated(unsafe) let (pa, pb, pc) = (pa, pb, pc)
                    DispatchQueue.concurrentPerform(iterations: groups.count) { g in
                        let rows = groups[g]
                        multiply(pa.baseAddress! + rows.lowerBound * k, pb.baseAddress!, into: pc.baseAddress! + rows.lowerBound * n,
                                 m: rows.count, n: n, k: k, transposeB: transposeB)
                    }
                }
            }
        }
        return c
    }

    /// Array convenience: A [m, k] · B [k, n] (or Bᵀ for B [n, k]).
    public static func multiply(_ a: [Float], _ b: [Float], m: Int, n: Int, k: Int, transposeB: Bool = false) -> [Float] {
        precondition(a.count == m * k && b.count == k * n, "GEMM operand sizes do not match m=\(m) n=\(n) k=\(k)")
        var c = [Float](repeating: 0, count: m * n)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    multiply(pa.baseAddress!, pb.baseAddress!, into: pc.baseAddress!, m: m, n: n, k: k, transposeB: transposeB)
                }
            }
        }
        return c
    }
}

/// OpenBLAS's thread pool. The count is process-wide; changes are serialised with `withCount`.
public enum BLASThreads {
    private static let lock = NSRecursiveLock()

    /// Threads OpenBLAS uses for one call; set it to 1 when parallelising at a higher level.
    /// Setting waits for any `withCount` in progress.
    public static var count: Int {
        get { Int(openblas_get_num_threads()) }
        set {
            lock.lock()
            defer { lock.unlock() }
            openblas_set_num_threads(Int32(newValue))
        }
    }

    /// Runs `body` with exactly `n` OpenBLAS threads, holding off every other change of the count
    /// (OpenBLAS's results differ in the last bits with the thread count, so work whose bits must
    /// not depend on the machine, such as calibration, runs under this).
    public static func withCount<R, E: Error>(_ n: Int, _ body: () throws(E) -> R) throws(E) -> R {
        lock.lock()
        defer { lock.unlock() }
        let saved = Int(openblas_get_num_threads())
        openblas_set_num_threads(Int32(n))
        defer { openblas_set_num_threads(Int32(saved)) }
        return try body()
    }

    /// The CPU kernel family OpenBLAS selected at load (e.g. `Cooperlake`, `Haswell`).
    public static var coreName: String { String(cString: openblas_get_corename()) }
}
