import Kernels
import ModelIR
import TensorCore

/// An int8 weight kept at int8 size: W[o, i] ≈ scales[o, i / g] · values[o, i], values i8
/// [out, in] (the model's own bytes, not copied), scales f32 [out] (per channel, g = in) or
/// [out, in/g] (per group of g inputs). The dense part of `int8`, `sparseInt8` (zeros in place)
/// and each factor of `lowRankInt8`.
///
/// y [rows, out] = x [rows, in] · Wᵀ is computed tile by tile over output channels: rows
/// o₀..<o₀+T of W are dequantized into one reusable f32 buffer [T, in] and multiplied by sgemm
/// into columns o₀..<o₀+T of y. The buffer is the only f32 copy of the weight that ever exists
/// (T·in floats per call, about `tileElements`); the products are exactly those of sgemm on the
/// dequantized weight, since s·q is exact in f32 for |q| ≤ 127.
struct Int8Weight: Sendable {
    /// Dequantized floats per tile (T·in ≈ this): 4 MiB. Smaller tiles give sgemm narrow products
    /// that run far below its rate: with 256 KiB tiles `pare bench` measured 190 ms (MiniLM) and
    /// 1619 ms (BERT-base) per 8 × 128 batch against 140 / 769 ms in f32; with 4 MiB, 135 / 812 ms.
    static let defaultTileElements = 1024 * 1024

    let inFeatures: Int
    let outFeatures: Int
    /// i8 [out, in]
    let values: Tensor
    /// f32 [out] or [out, in/g], row-major
    let scales: [Float]
    /// g, inputs per scale (`inFeatures` per channel).
    let groupSize: Int
    /// Output channels per tile, T.
    let tileRows: Int

    init(values: Tensor, scales: Tensor, inFeatures: Int, outFeatures: Int, tileElements: Int = Int8Weight.defaultTileElements) {
        let g = scales.int8GroupSize(inFeatures: inFeatures)
        precondition(values.dtype == .i8 && values.shape.dims == [outFeatures, inFeatures]
                     && scales.shape[0] == outFeatures && scales.elementCount * g == outFeatures * inFeatures,
                     "int8 weight \(values) with scales \(scales) does not match \(inFeatures) → \(outFeatures)")
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.values = values
        self.scales = scales.floats()
        groupSize = g
        // A multiple of 16 output channels (whole vectors of y), at least 16, at most all of them.
        let t = max(16, tileElements / max(1, inFeatures)) / 16 * 16
        tileRows = max(1, min(outFeatures, t))
    }

    /// y [rows, out] (row stride ldy) = x [rows, in] · Wᵀ + β·y.
    func multiply(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>, ldy: Int, beta: Float,
                  profile: ForwardProfile?, phase: ForwardProfile.Phase) {
        guard rows > 0, outFeatures > 0 else { return }
        let k = inFeatures
        let tile = UnsafeMutablePointer<Float>.allocate(capacity: tileRows * k)
        defer { tile.deallocate() }
        values.withUnsafeBytes { raw in
            let q = raw.baseAddress!.assumingMemoryBound(to: Int8.self) // Int8 may alias the UInt8 storage
            scales.withUnsafeBufferPointer { s in
                var o = 0
                while o < outFeatures {
                    let t = min(tileRows, outFeatures - o)
                    timed(profile, phase) {
                        Int8Quantization.dequantize(q, scales: s.baseAddress!, columns: k, groupSize: groupSize,
                                                    rows: o..<(o + t), into: tile)
                    }
                    gemm(profile, phase, x, tile, into: y + o, m: rows, n: t, k: k, transposeB: true, beta: beta, ldc: ldy)
                    o += t
                }
            }
        }
    }
}
