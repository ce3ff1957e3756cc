import ModelIR
import TensorCore

extension MagnitudePrune {
    /// b + (W − Ŵ)·μ [out] (`BiasCorrection.delta`): W the dense weight before pruning, Ŵ the
    /// stored values (after any rounding to their dtype), μ [in] the mean calibration input. The
    /// sum is taken in f32 and stored in the bias's dtype, or as f32 when there was no bias.
    static func correctedBias(_ bias: Tensor?, original: Tensor, pruned: Tensor, means: [Double]) -> Tensor {
        let out = original.shape[0]
        let removed = zip(original.floats(), pruned.floats()).map { $0 - $1 }
        return BiasCorrection.corrected(bias, removed: removed, means: means, outFeatures: out)
    }
}
