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
    /// The per-tensor layout everywhere, ONNX Runtime's fused kernels only, except that an FFN
    /// down projection first divides each input row by its largest magnitude m = max_i |x_i|
    /// (so every row spans at most [−1, 1]) and multiplies its output rows back by m: the MLP
    /// activations are where one scale per tensor loses the most (a few rows with a wide range
    /// set the step for all), and normalized rows get about the per-token step at the fused
    /// kernels' speed. Not Pare's own quantization: ONNX Runtime's outputs follow `pare run` less
    /// closely than with `.perToken`, and a row's result still depends on the batch through the
    /// shared step.
    case fused
}
