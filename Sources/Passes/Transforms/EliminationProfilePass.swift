import Calibration
import Kernels
import ModelIR
import Runtime
import TensorCore

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
///
/// Block by block: each block's per-sample ACC is measured as the calibration activations pass
/// it, and the profile is fitted from those per-layer values after the last block (no extra
/// sweep). `min-fidelity` runs the whole model at many λ, so with it the step needs the
/// whole-model path.
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
        let measurement: ACCMeasurement
        do {
            measurement = try ACCMeasurement.measure(model: model, samples: calibration.samples, batchSize: options.batchSize,
                                                     aggregate: options.aggregate, workers: context.workers)
        } catch {
            throw .failed(pass: Self.name, reason: error.description)
        }
        var (profile, diagnostics) = try baseProfile(measurement, causal: model.config.causal)
        if let floor = options.minFidelity {
            let search: FidelitySearch, lambda: Double, fidelity: Double
            do {
                // One BLAS thread, as for every calibration statistic: sgemm's rounding depends on
                // how it splits the work, and the λ found must not depend on the machine.
                let prepared = PreparedModel(model)
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
        return result(profile, measurement, diagnostics: diagnostics, into: &model.elimination, context: context)
    }
}

extension EliminationProfilePass: BlockwisePass {
    /// Block by block unless `min-fidelity` is set: that search runs the whole model with
    /// elimination at many λ, so it needs every block at once.
    public func runsBlockwise(_ s: Skeleton, _ context: PassContext) -> Bool { options.minFidelity == nil }

    public func request(block l: Int, _ s: Skeleton) -> CalibrationStream.Request? { .init(acc: true) }

    public var calibrationBatchSize: Int { options.batchSize }

    /// Changes nothing: block l's ACC values ride in the outcome to `finish`.
    public func apply(to block: inout Block<Tensor>, index l: Int, statistics: ActivationStatistics?, decision: [Int]?,
                      context: PassContext) throws(PassError) -> BlockOutcome {
        BlockOutcome(changed: false, acc: statistics?.acc[l] ?? [])
    }

    public func finish(_ outcomes: [BlockOutcome], elimination: inout EliminationProfile?, _ s: Skeleton,
                       context: PassContext) throws(PassError) -> PassResult {
        let measurement = ACCMeasurement(perLayer: outcomes.map(\.acc), aggregate: options.aggregate,
                                         tokens: context.calibration?.samples.reduce(0) { $0 + $1.count } ?? 0)
        let (profile, diagnostics) = try baseProfile(measurement, causal: s.config.causal)
        return result(profile, measurement, diagnostics: diagnostics, into: &elimination, context: context)
    }

    /// The profile fitted to `measurement`, with the default λ of `lambda` or `target-speedup`.
    func baseProfile(_ measurement: ACCMeasurement, causal: Bool) throws(PassError) -> (EliminationProfile, [Diagnostic]) {
        guard measurement.samples > 0 else {
            throw .failed(pass: Self.name, reason: "no calibration sample has a token besides the protected one (one-token samples give no ACC); use longer calibration text")
        }
        var profile = EliminationProfile(acc: measurement.acc, fit: options.fit,
                                         protection: causal ? .last : .first, defaultLambda: options.lambda ?? 1)
        profile.mode = options.mode
        if let target = options.targetSpeedup {
            guard let lambda = profile.lambda(forSpeedup: target) else {
                throw .failed(pass: Self.name, reason: "a \(target)× speedup is out of reach for this profile (λ → 0 gives \(profile.continuousSpeedup(lambda: 1e-6))×); lower target-speedup")
            }
            profile.defaultLambda = lambda
        }
        return (profile, [])
    }

    /// Bakes `profile` into the model and logs it.
    func result(_ profile: EliminationProfile, _ measurement: ACCMeasurement, diagnostics: [Diagnostic],
                into elimination: inout EliminationProfile?, context: PassContext) -> PassResult {
        var diagnostics = diagnostics
        if profile.ep.allSatisfy({ $0 == 1 }) {
            diagnostics.append(Diagnostic(.note, at: "elimination", "ACC never falls: EP ≡ 1, so λ acts as a constant retention rate"))
        }
        elimination = profile
        return PassResult(changed: true,
                          counters: ["samples": measurement.samples, "tokens": measurement.tokens,
                                     "halt-layer": profile.haltLayer ?? 0],
                          diagnostics: diagnostics, preservedAnalyses: context.cachedAnalyses)
    }
}
