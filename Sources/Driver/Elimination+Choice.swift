import ModelIR
import Runtime

extension Elimination {
    /// The elimination a command runs with: `lambda` when given (the model must carry a profile),
    /// else the profile's default λ, else none (the full model); in `mode` when given, else the
    /// profile's.
    static func chosen(for model: Model, lambda: Double?, mode: EliminationProfile.Mode? = nil) throws(DriverError) -> Elimination? {
        if let mode, model.elimination == nil {
            throw .usage("--elimination-mode \(mode.rawValue) needs an elimination profile, and this model has none",
                         "compile it with a recipe that runs elimination-profile")
        }
        if let lambda {
            guard lambda > 0, lambda.isFinite else {
                throw .usage("--lambda \(lambda) is invalid", "choose λ > 0 (larger keeps more tokens)")
            }
            guard let profile = model.elimination else {
                throw .usage("--lambda needs an elimination profile, and this model has none",
                             "compile it with a recipe that runs elimination-profile")
            }
            return Elimination(profile: profile, lambda: lambda, mode: mode)
        }
        return model.elimination.map { Elimination(profile: $0, lambda: $0.defaultLambda, mode: mode) }
    }
}
