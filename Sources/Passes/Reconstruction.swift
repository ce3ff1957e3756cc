import ModelIR

/// How a linear W [d, n], b [d] makes up for input columns it loses when a structured pass
/// removes what feeds them (`ffn-prune`: MLP neurons, the input of down; `head-prune`: head
/// contexts, the input of W_O), K the kept and R the removed columns, μ = E_t[x] [n] over the
/// calibration inputs x [t, n]:
/// - `none`: the kept columns W[:, K], b unchanged (the model with those inputs zeroed);
/// - `bias`: also b += W[:, R]·μ_R, so the mean output on the calibration tokens is kept (FLAP);
/// - `least-squares`: W' = argmin ‖(X_K − 1μ_Kᵀ)W'ᵀ − (X − 1μᵀ)Wᵀ‖² + δ·t·‖W' − W[:, K]‖²
///   (closed form through the covariance C = XᵀX/t − μμᵀ), and b += W·μ − W'·μ_K: the affine
///   refit of the output from the kept inputs, whose mean output is kept too (see `refit`).
public enum Reconstruction: String, Codable, Sendable, ChoiceOption {
    case none
    case bias
    case leastSquares = "least-squares"

    /// Calibration tokens per kept input column below which the least-squares refit warns. On
    /// all-MiniLM-L6-v2 `ffn-prune{fraction=0.25}` (1152 of 1536 neurons kept; `pare eval` mean
    /// cosine on the held-out text) the 64 default samples (1354 tokens, ≈ 1.2 per kept neuron)
    /// give 0.940 against bias's 0.935; 256 samples (about 4× the tokens) give 0.968 against 0.937.
    static let tokensPerColumn = 4

    /// Checks δ of the least-squares refit: a number ≥ 0.
    static func validate(damping: Double) throws(PassError) {
        guard damping >= 0, damping.isFinite else {
            throw .invalidValue(key: "damping", value: "\(damping)", expected: "a number ≥ 0 (a fraction of the mean diagonal of the kept activations' covariance; 0.01 is usual)")
        }
    }

    /// The error `check` reports when this reconstruction would rewrite `linear` (`role`, at
    /// `path`) but its dense weight is not a float the refit can write back; nil when it can.
    func unsupportedWeight(_ linear: Linear<TensorSpec>, role: String, at path: String, pass: String) -> Diagnostic? {
        guard self != .none, case let .dense(w) = linear.weight, ![.f32, .f16, .bf16].contains(w.dtype) else { return nil }
        return Diagnostic(.error, at: path, "\(pass) refits \(role) but found a \(w.dtype.rawValue) weight",
                          hint: "add cast{dtype=f32} before \(pass), or use reconstruction=none")
    }

    /// The warning of a least-squares refit from fewer than `tokensPerColumn` calibration tokens
    /// per kept column of its widest linear (`what`, e.g. "MLPs keeping up to 1152 neurons");
    /// nil otherwise.
    static func fewTokensWarning(pass: String, tokens: Int, widest: Int, what: String) -> Diagnostic? {
        guard tokens < tokensPerColumn * widest else { return nil }
        return Diagnostic(.warning, at: pass, "the least-squares refit saw \(tokens) calibration tokens for \(what) and may fit them too closely",
                          hint: "give at least \(tokensPerColumn * widest) tokens (more --samples or a longer --calibration file), raise damping, or use reconstruction=bias")
    }
}
