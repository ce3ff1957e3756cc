import Kernels
import ModelIR
import TensorCore

/// A Linear ready to run: f32 weights in the form the IR stores (int8 weights stay int8).
/// y [rows, out] = x [rows, in] · Wᵀ + b, written with row stride `ldy` (≥ out) so that several
/// linears can fill adjacent columns of one buffer (Q, K, V side by side).
struct PreparedLinear: Sendable {
    enum Form: Sendable {
        /// W [out, in]
        case dense([Float])
        /// W = u·v, u [out, r], v [r, in]: two GEMMs through a [rows, r] intermediate.
        case lowRank(u: [Float], v: [Float], rank: Int)
        /// W ≈ s ⊙ Q, Q i8 [out, in] (also sparse int8, zeros in place): dequantized one tile of
        /// output channels at a time.
        case int8(Int8Weight)
        /// W ≈ u·v with u [out, r], v [r, in] both int8: two tile-dequantized GEMMs through a
        /// [rows, r] intermediate, x·vᵀ then ·uᵀ.
        case lowRankInt8(u: Int8Weight, v: Int8Weight)
    }

    let inFeatures: Int
    let outFeatures: Int
    let form: Form
    let bias: [Float]?

    init(_ linear: Linear<Tensor>) {
        self.init(linear, int8TileElements: Int8Weight.defaultTileElements)
    }

    /// `int8TileElements`: dequantized floats per tile of an int8 weight (see `Int8Weight`).
    init(_ linear: Linear<Tensor>, int8TileElements: Int) {
        inFeatures = linear.inFeatures
        outFeatures = linear.outFeatures
        bias = linear.bias?.floats()
        switch linear.weight {
        case let .dense(w):
            form = .dense(w.floats())
        case let .lowRank(u, v):
            form = .lowRank(u: u.floats(), v: v.floats(), rank: u.shape[1])
        case let .sparse(values, _, _, _):
            // Zeros are stored in `values`: a dense kernel computes the same product.
            form = .dense(values.floats())
        case let .int8(values, scales), let .sparseInt8(values, scales, _, _, _):
            // Sparse: zeros are stored in `values` (q(0) = 0), as for `.sparse`.
            form = .int8(Int8Weight(values: values, scales: scales, inFeatures: linear.inFeatures,
                                    outFeatures: linear.outFeatures, tileElements: int8TileElements))
        case let .lowRankInt8(u, uScales, v, vScales):
            let r = u.shape[1]
            form = .lowRankInt8(u: Int8Weight(values: u, scales: uScales, inFeatures: r, outFeatures: linear.outFeatures,
                                              tileElements: int8TileElements),
                                v: Int8Weight(values: v, scales: vScales, inFeatures: linear.inFeatures, outFeatures: r,
                                              tileElements: int8TileElements))
        }
    }

    /// With `accumulate`, y += x·Wᵀ + b (a residual add fused into the GEMM's β = 1).
    func apply(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>, ldy: Int? = nil,
               accumulate: Bool = false, profile: ForwardProfile? = nil, phase: ForwardProfile.Phase = .head) {
        let ldy = ldy ?? outFeatures
        let beta: Float = accumulate ? 1 : 0
        switch form {
        case let .dense(w):
            w.withUnsafeBufferPointer { w in
                gemm(profile, phase, x, w.baseAddress!, into: y, m: rows, n: outFeatures, k: inFeatures,
                     transposeB: true, beta: beta, ldc: ldy)
            }
        case let .lowRank(u, v, rank):
            var middle = [Float](repeating: 0, count: rows * rank)
            v.withUnsafeBufferPointer { v in
                middle.withUnsafeMutableBufferPointer { middle in
                    gemm(profile, phase, x, v.baseAddress!, into: middle.baseAddress!, m: rows, n: rank, k: inFeatures,
                         transposeB: true)
                }
            }
            u.withUnsafeBufferPointer { u in
                gemm(profile, phase, middle, u.baseAddress!, into: y, m: rows, n: outFeatures, k: rank,
                     transposeB: true, beta: beta, ldc: ldy)
            }
        case let .int8(w):
            w.multiply(x, rows: rows, into: y, ldy: ldy, beta: beta, profile: profile, phase: phase)
        case let .lowRankInt8(u, v):
            var middle = [Float](repeating: 0, count: rows * v.outFeatures)
            middle.withUnsafeMutableBufferPointer { middle in
                v.multiply(x, rows: rows, into: middle.baseAddress!, ldy: v.outFeatures, beta: 0, profile: profile, phase: phase)
                u.multiply(middle.baseAddress!, rows: rows, into: y, ldy: ldy, beta: beta, profile: profile, phase: phase)
            }
        }
        if let bias {
            timed(profile, .bias) {
                bias.withUnsafeBufferPointer { b in
                    for r in 0..<rows {
                        Elementwise.add(y + r * ldy, b.baseAddress!, count: outFeatures)
                    }
                }
            }
        }
    }
}
