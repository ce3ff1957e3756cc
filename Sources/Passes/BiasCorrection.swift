import TensorCore

/// The bias correction of a compressed linear (Nagel et al. 2019; FLAP's bias compensation):
/// replacing W by Ŵ moves the mean output by (Ŵ − W)·μ, μ = E[x] over the calibration tokens,
/// so adding
///
///     Δb = (W − Ŵ)·μ    [out]
///
/// to the bias keeps E[y] where it was. `removed` = W − Ŵ, [out, in] row-major.
enum BiasCorrection {
    static func delta(removed: [Float], means μ: [Double], outFeatures: Int) -> [Float] {
        let inFeatures = μ.count
        precondition(removed.count == outFeatures * inFeatures, "W − Ŵ is not [\(outFeatures), \(inFeatures)]")
        return (0..<outFeatures).map { o in
            var s: Double = 0
            for i in 0..<inFeatures { s += Double(removed[o * inFeatures + i]) * μ[i] }
            return Float(s)
        }
    }
}

extension BiasCorrection {
    /// b + Δb [out], in the bias's dtype, or f32 [out] when the linear had no bias.
    static func corrected(_ bias: Tensor?, removed: [Float], means μ: [Double], outFeatures: Int) -> Tensor {
        let delta = delta(removed: removed, means: μ, outFeatures: outFeatures)
        let b = bias?.floats() ?? [Float](repeating: 0, count: outFeatures)
        return Tensor(zip(b, delta).map { $0 + $1 }, shape: [outFeatures], dtype: bias?.dtype ?? .f32)
    }
}
