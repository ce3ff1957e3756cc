import Calibration
import ModelIR
import TensorCore

extension HeadPrune {
    /// W_O with FLAP's bias compensation for removing the original heads `removed`: the removed
    /// columns' mean output moves into the bias,
    ///
    ///     b_O += Σ_{h removed} W_O[:, cols(h)]·μ[cols(h)] = (W_O − Ŵ_O)·μ    [d]
    ///
    /// with Ŵ_O = W_O with those columns zeroed and μ = E[C] [in] the mean input of W_O on the
    /// calibration tokens. A W_O without a bias gets an f32 [d] one. Columns are not dropped here.
    static func compensated(_ attention: Attention<Tensor>, removing removed: Set<Int>, means μ: [Double]) -> Linear<Tensor> {
        let o = attention.o, width = o.inFeatures, dh = attention.headDim
        var difference = DenseWeight.floats(o)
        for (p, head) in attention.keptHeads.enumerated() where !removed.contains(head) {
            for row in 0..<o.outFeatures { for j in (p * dh)..<((p + 1) * dh) { difference[row * width + j] = 0 } }
        }
        return Linear(inFeatures: o.inFeatures, outFeatures: o.outFeatures, weight: o.weight,
                      bias: BiasCorrection.corrected(o.bias, removed: difference, means: μ, outFeatures: o.outFeatures),
                      activations: o.activations)
    }
}
