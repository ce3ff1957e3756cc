import Calibration
import Kernels
import ModelIR
import Runtime

/// `elimination-profile`: measures ACC per layer on the calibration samples with the model as it
/// is at this step (ACC-SPEC §3), fits the curve, derives EP (Eq. 2), and bakes the profile, its
/// mode (`drop` or `merge`, `EliminationProfile.Mode`) and a default λ into the model. A
/// deployment then picks λ (and the mode) at load time (`pare run --lambda --elimination-mode`).
///
/// The default λ is one of: `lambda` (default 1); with `target-speedup`, the λ whose predicted
/// (continuous, Eq. 6) speedup is that target, found by bisection (§6.2); with `min-fidelity`,
/// the smallest λ (the most speed) at which the model eliminating in `mode` stays at or above
/// the floor against the same model without elimination, on the calibration samples: mean cosine
/// of mean-pooled embeddings (encoders) or agreement of the greedy next token (decoders). The
/// floor is measured against the model as this step receives it, so it bounds what elimination
/// costs on top of the passes before it (which it cannot change); `pare eval --against` gives the
/// total. The measured value is recorded in the profile.
public struct EliminationProfilePass: Pass {
    public struct Options: PassOptions {
        public var fit: CurveFit.Kind = .quadratic
        public var aggregate: ACCMeasurement.Aggregate = .mean
        /// Default λ stored in the artifact; nil = 1 unless `target-speedup` or `min-fidelity` chooses it.
        public var lambda: Double?
        public var targetSpeedup: Double?
        /// The fidelity floor in (0, 1] the default λ must keep on the calibration samples.
        public var minFidelity: Double?
        /// What eliminated tokens become by default; merging keeps more of a representation.
        public var mode: EliminationProfile.Mode = .merge
        public var batchSize: Int = 16

        public init() {}

        public func validate() throws(PassError) {
            let given = [lambda != nil, targetSpeedup != nil, minFidelity != nil].filter { $0 }.count
            guard given <= 1 else {
                throw .invalidValue(key: "lambda", value: "\(given) of lambda, target-speedup, min-fidelity",
                                    expected: "at most one of them: each chooses the default λ")
            }
            if let lambda, !(lambda > 0 && lambda.isFinite) {
                throw .invalidValue(key: "lambda", value: "\(lambda)", expected: "a number above 0")
            }
            if let f = minFidelity, !(f > 0 && f <= 1) {
                throw .invalidValue(key: "min-fidelity", value: "\(f)", expected: "a number in (0, 1]")
            }
            if let t = targetSpeedup, !(t >= 1 && t.isFinite) {
                throw .invalidValue(key: "target-speedup", value: "\(t)", expected: "a number ≥ 1")
            }
            guard batchSize >= 1 else { throw .invalidValue(key: "batch-size", value: "\(batchSize)", expected: "≥ 1") }
        }
    }

    public static let name = "elimination-profile"
    public var needsCalibration: Bool { true }
    public static let summary = "Measure ACC on calibration text and bake a token-elimination profile (λ chosen at load time)."
    public let options: Options

    public init(options: Options) { self.options = options }

    public func check(_ s: Skeleton) -> [Diagnostic] {
        s.blocks.count < 2
            ? [Diagnostic(.warning, at: "model", "has \(s.blocks.count) layer(s): the profile uses the raw ACC values, no fit")]
            : []
    }

    /// Data only: the profile changes no shape, form or FLOP of the full model.
    public func effect(on s: inout Skeleton) {}

    public func run(on model: inout Model, context: PassContext) async throws(PassError) -> PassResult {
        guard let calibration = context.calibration, !calibration.samples.isEmpty else {
            throw .failed(pass: Self.name, reason: "needs calibration samples; pass --calibration FILE (the default corpus is used when none is given)")
        }
        let prepared = PreparedModel(model)
        let measurement: ACCMeasurement
        do {
            measurement = try ACCMeasurement.measure(prepared, samples: calibration.samples, batchSize: options.batchSize,
                                                     aggregate: options.aggregate)
        } catch {
            throw .failed(pass: Self.name, reason: error.description)
        }
        guard measurement.samples > 0 else {
            throw .failed(pass: Self.name, reason: "no calibration sample has a token besides the protected one (one-token samples give no ACC); use longer calibration text")
        }
        var profile = EliminationProfile(acc: measurement.acc, fit: options.fit,
                                         protection: model.config.causal ? .last : .first, defaultLambda: options.lambda ?? 1)
        profile.mode = options.mode
        var diagnostics: [Diagnostic] = []
        if let target = options.targetSpeedup {
            guard let lambda = profile.lambda(forSpeedup: target) else {
                throw .failed(pass: Self.name, reason: "a \(target)× speedup is out of reach for this profile (λ → 0 gives \(profile.continuousSpeedup(lambda: 1e-6))×); lower target-speedup")
            }
            profile.defaultLambda = lambda
        }
        if let floor = options.minFidelity {
            let search: FidelitySearch, lambda: Double, fidelity: Double
            do {
                // One BLAS thread, as for every calibration statistic: sgemm's rounding depends on
                // how it splits the work, and the λ found must not depend on the machine.
                (search, lambda, fidelity) = try BLASThreads.withCount(1) { () throws(RuntimeError) in
                    let search = try FidelitySearch(prepared, samples: calibration.samples, profile: profile, batchSize: options.batchSize)
                    let (lambda, fidelity) = try search.smallestLambda(floor: floor)
                    return (search, lambda, fidelity)
                }
            } catch {
                throw .failed(pass: Self.name, reason: error.description)
            }
            profile.defaultLambda = lambda
            profile.fidelity = EliminationProfile.Fidelity(metric: search.metric, value: fidelity, floor: floor)
            diagnostics.append(Diagnostic(.note, at: "elimination",
                                          "λ = \(String(format: "%.4f", lambda)) keeps \(search.metric.rawValue) \(String(format: "%.4f", fidelity)) ≥ \(floor) on the calibration samples (\(options.mode.rawValue))"))
        }
        if profile.ep.allSatisfy({ $0 == 1 }) {
            diagnostics.append(Diagnostic(.note, at: "elimination", "ACC never falls: EP ≡ 1, so λ acts as a constant retention rate"))
        }
        model.elimination = profile
        return PassResult(changed: true,
                          counters: ["samples": measurement.samples, "tokens": measurement.tokens,
                                     "halt-layer": profile.haltLayer ?? 0],
                          diagnostics: diagnostics, preservedAnalyses: context.cachedAnalyses)
    }
}
