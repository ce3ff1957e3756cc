import Kernels
import TensorCore

/// A weight W [out, in] kept as stored in 16 bits (bf16 or f16: a mapped region of a checkpoint's
/// shard, or an artifact's decoded bytes), computed from by `HalfGEMM` without an f32 copy.
/// y [rows, out] = x [rows, in] · Wᵀ: batch-1 decoding reads W once per token (half the bytes of
/// f32); prefill widens `HalfGEMM.tileRows` rows at a time into `Scratch.Slot.widened`.
struct HalfWeight: Sendable {
    let tensor: Tensor
    let storage: HalfGEMM.Storage

    /// nil unless `tensor` is a bf16 or f16 matrix.
    init?(_ tensor: Tensor) {
        guard tensor.shape.rank == 2 else { return nil }
        switch tensor.dtype {
        case .bf16: storage = .bf16
        case .f16: storage = .f16
        default: return nil
        }
        self.tensor = tensor
    }

    var outFeatures: Int { tensor.shape[0] }
    var inFeatures: Int { tensor.shape[1] }

    /// y [rows, out] (row stride ldy) = x [rows, in] · Wᵀ, or y += that with `accumulate`.
    func multiply(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>, ldy: Int, accumulate: Bool,
                  scratch: Scratch, profile: ForwardProfile?, phase: ForwardProfile.Phase) {
        let count = HalfGEMM.scratchCount(rows: rows, inFeatures: inFeatures, outFeatures: outFeatures)
        let tile = count > 0 ? scratch.buffer(.widened, count: count, of: Float.self) : nil
        timed(profile, phase) {
            tensor.withUnsafeBytes { w in
                HalfGEMM.multiply(x, rows: rows, weight: w.baseAddress!, storage: storage, inFeatures: inFeatures,
                                  outFeatures: outFeatures, into: y, ldy: ldy, accumulate: accumulate, scratch: tile)
            }
        }
    }

    /// Rows `ids` of W widened to f32, [ids.count, in] (an embedding lookup from a 16-bit table).
    func rows(_ ids: [Int]) -> [Float] {
        let d = inFeatures
        return [Float](unsafeUninitializedCapacity: ids.count * d) { out, initialized in
            tensor.withUnsafeBytes { w in
                let base = w.baseAddress!.assumingMemoryBound(to: UInt16.self)
                for (r, id) in ids.enumerated() {
                    HalfGEMM.widen(base + id * d, storage: storage, count: d, into: out.baseAddress! + r * d)
                }
            }
            initialized = ids.count * d
        }
    }
}
