import CBLAS
import CLAPACK

/// SparseGPT (Frantar & Alistarh 2023, Algorithm 1): prunes W [rows, n] column by column and
/// after each column adds the optimal-brain-surgeon update to the columns not yet processed, so
/// the layer-wise error ‖X·Wᵀ − X·Ŵᵀ‖_F over the calibration inputs X [tokens, n] stays small.
///
/// With H = XᵀX + δ·mean(diag)·I and H⁻¹ = UᵀU (U [n, n] upper, the Cholesky factor of the
/// inverse), pruning column j to q_j leaves err = (w_j − q_j) / U_jj [rows] and updates
/// W[:, k] −= err · U_jk for every k > j. Columns go in blocks of B: inside a block the update is
/// a rank-1 step per column; the columns after the block get all B updates at the end as one
/// GEMM, W[:, e...] −= Err [rows, B] · U[b..<e, e...] (lazy batch updates: the same result).
///
/// The mask is chosen per block from the weights as the earlier blocks left them (adaptive mask
/// selection), by the OBS error w²/U_jj²: the lowest errors are pruned, among equal errors the
/// lower position first. Unstructured: `perRow` prunes a count from each row of the block,
/// `perBlock` a count from the whole block (all rows compete, the reference implementation's
/// rule). N:M: at the first column of each group of M, the M − N lowest errors of that group of
/// each row, from the weights as the block's earlier columns left them.
///
/// An input feature that is never active (diag(H)_j = 0) gets H_jj = 1 and W[:, j] = 0, as in the
/// reference. f32 throughout; BLAS results depend on the thread count in the last bits, so call
/// under `BLASThreads.withCount(1)` for the same bytes on any machine.
public struct SparseGPT: Sendable {
    /// Which weights of each block [b, e) are pruned.
    public enum Selection: Sendable, Equatable {
        /// zeros[k]: how many of each row's weights in the k-th block are pruned.
        case perRow(zeros: [Int])
        /// zeros[k]: how many of the k-th block's rows × (e − b) weights are pruned.
        case perBlock(zeros: [Int])
        /// In every group of m consecutive columns of a row, m − n pruned (the block size is a
        /// multiple of m, so groups never straddle blocks).
        case nOfM(n: Int, m: Int)
    }

    /// U [n, n] row-major, upper triangular, H⁻¹ = UᵀU.
    public let inverseFactor: [Float]
    /// Input features with diag(H) = 0, [n].
    public let dead: [Bool]
    public let n: Int

    /// U from `gram` = XᵀX [n, n]: H = gram + δ·mean(diag)·I (dead features' diagonal set to 1
    /// first). With J the reversal permutation, J·H·J = L′·L′ᵀ (`Cholesky`) gives H = R·Rᵀ with
    /// R = J·L′·J upper, so H⁻¹ = R⁻ᵀ·R⁻¹ and U = R⁻¹ = J·L′⁻¹·J (LAPACK strtri): the factor
    /// SparseGPT's reference gets as cholesky(H⁻¹, upper), without forming H⁻¹ (2n³/3 flops).
    /// Throws when H is not positive definite in f32.
    public init(gram: [Float], n: Int, dampening δ: Float) throws(KernelError) {
        precondition(gram.count == n * n, "SparseGPT: \(gram.count) Gram values for \(n)×\(n)")
        var dead = [Bool](repeating: false, count: n)
        for j in 0..<n where gram[j * n + j] == 0 { dead[j] = true }
        let diagonal = (0..<n).map { dead[$0] ? 1 : gram[$0 * n + $0] }
        let mean = diagonal.reduce(Float(0), +) / Float(max(n, 1))
        var reversed = [Float](repeating: 0, count: n * n) // J·H·J
        for i in 0..<n { for j in 0..<n { reversed[(n - 1 - i) * n + (n - 1 - j)] = i == j ? diagonal[i] : gram[i * n + j] } }
        var l = try Cholesky(reversed, n: n, damping: δ * mean).lower
        if n > 0 {
            let info = LAPACKE_strtri(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "L")), CChar(UInt8(ascii: "N")), Int32(n), &l, Int32(n))
            guard info == 0 else { throw .notPositiveDefinite(n: n, info: Int(info)) } // a zero pivot: cannot happen after spotrf
        }
        var u = [Float](repeating: 0, count: n * n)
        for i in 0..<n { for j in i..<n { u[i * n + j] = l[(n - 1 - i) * n + (n - 1 - j)] } }
        inverseFactor = u
        self.dead = dead
        self.n = n
    }

    /// Prunes `w` [rows, n] in place (pruned weights +0, the rest updated) and returns the mask,
    /// u8 [rows, ⌈n/8⌉], bit j%8 of byte j/8 set where column j is kept.
    public func prune(_ w: inout [Float], rows: Int, blockSize: Int, selection: Selection) -> [UInt8] {
        precondition(w.count == rows * n && blockSize > 0, "SparseGPT: W is not [\(rows), \(n)]")
        let n = n, bytesPerRow = (n + 7) / 8
        var mask = [UInt8](repeating: 0, count: rows * bytesPerRow)
        guard rows > 0, n > 0 else { return mask }
        for j in 0..<n where dead[j] { for o in 0..<rows { w[o * n + j] = 0 } }
        inverseFactor.withUnsafeBufferPointer { u in
            w.withUnsafeMutableBufferPointer { w in
                for (k, b) in stride(from: 0, to: n, by: blockSize).enumerated() {
                    let e = min(b + blockSize, n), width = e - b
                    var block = [Float](repeating: 0, count: rows * width), err = block
                    for o in 0..<rows { for t in 0..<width { block[o * width + t] = w[o * n + b + t] } }
                    var pruned = [Bool](repeating: false, count: rows * width)
                    switch selection {
                    case let .perRow(zeros):
                        for o in 0..<rows {
                            let lowest = Self.lowest(zeros[k], of: (0..<width).map { (Self.error(block[o * width + $0], u[(b + $0) * n + b + $0]), $0) })
                            for t in lowest { pruned[o * width + t] = true }
                        }
                    case let .perBlock(zeros):
                        let errors = (0..<rows * width).map { (Self.error(block[$0], u[(b + $0 % width) * n + b + $0 % width]), $0) }
                        for i in Self.lowest(zeros[k], of: errors) { pruned[i] = true }
                    case .nOfM: break
                    }
                    for t in 0..<width {
                        let j = b + t, d = u[j * n + j]
                        if case let .nOfM(keep, m) = selection, t % m == 0 {
                            for o in 0..<rows {
                                let group = (t..<t + m).map { (Self.error(block[o * width + $0], u[(b + $0) * n + b + $0]), $0) }
                                for c in Self.lowest(m - keep, of: group) { pruned[o * width + c] = true }
                            }
                        }
                        for o in 0..<rows {
                            let row = o * width
                            guard pruned[row + t] else {
                                mask[o * bytesPerRow + j >> 3] |= 1 << UInt8(j & 7)
                                continue
                            }
                            let e = block[row + t] / d
                            block[row + t] = 0
                            err[row + t] = e
                            guard e != 0 else { continue }
                            for c in (t + 1)..<max(t + 1, width) { block[row + c] -= e * u[j * n + b + c] }
                        }
                    }
                    for o in 0..<rows { for t in 0..<width { w[o * n + b + t] = block[o * width + t] } }
                    if e < n {
                        // W[:, e...] −= Err · U[b..<e, e...]
                        err.withUnsafeBufferPointer { err in
                            GEMM.multiply(err.baseAddress!, u.baseAddress! + b * n + e, into: w.baseAddress! + e,
                                          m: rows, n: n - e, k: width, alpha: -1, beta: 1, lda: width, ldb: n, ldc: n)
                        }
                    }
                }
            }
        }
        return mask
    }

    /// The OBS error of pruning w with U_jj = d, w²/d², as f32 bits (ordered like the value for
    /// the non-negative errors).
    @inline(__always) static func error(_ w: Float, _ d: Float) -> UInt32 { ((w * w) / (d * d)).bitPattern }

    /// The positions of the `k` lowest (error, position) pairs.
    static func lowest(_ k: Int, of errors: [(UInt32, Int)]) -> [Int] {
        guard k > 0 else { return [] }
        return errors.sorted { $0 < $1 }.prefix(k).map(\.1)
    }
}
