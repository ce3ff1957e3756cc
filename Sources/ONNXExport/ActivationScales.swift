/// How a W8A8 linear quantizes its input activations in the exported graph.
public enum ActivationScales: String, Sendable, CaseIterable {
    /// One u8 scale and zero point per token row, computed as Pare's runtime does (lo = min(0,
    /// min x), hi = max(0, max x), s = (hi − lo)/255, z = round(−lo/s), q = round(x·(1/s) + z)
    /// clamped to 0...255): ONNX Runtime's outputs then follow Pare's, independent of the other
    /// rows in the batch. Plain ops around `MatMulInteger` (no zero point inputs; the zero point is
    /// removed with the weight's column sums in int32), which ONNX Runtime does not fuse.
    case perToken = "per-token"
    /// One scale and zero point for the whole activation tensor (`DynamicQuantizeLinear`), the
    /// layout ONNX Runtime fuses into `DynamicQuantizeMatMul` (its `quantize_dynamic` scheme):
    /// fewer ops, but a coarser step, and a row's result depends on the rest of the batch.
    case perTensor = "per-tensor"
}
