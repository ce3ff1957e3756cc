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
/// The default λ is one of: `lambda` (default 1); with `target-speedup`, the largest λ at which
/// the model as this step receives it (int8 or pruned blocks save less per eliminated token)
/// runs that much faster than without elimination on Pare's runtime, priced on the compile's
/// machine profile and report workload with merging's overhead (`CostModel.lambda(_:profile:
/// forSpeedup:workload:pricing:)`, by bisection, §6.2); with `min-fidelity`,
/// the smallest λ (the most speed) at which the model eliminating in `mode` stays at or above
/// the floor against the same model without elimination: mean cosine of mean-pooled embeddings
/// (encoders) or agreement of the greedy next token (decoders). The profile is fitted and λ
/// chosen on the first calibration samples; the last `holdout` share of them (at least one) is
/// held out and the floor checked there, so the value recorded is one λ was not chosen on (a
/// warning says when it falls below the floor). The floor is measured against the model as this
/// step receives it, so it bounds what elimination costs on top of the passes before it (which it
/// cannot change); `pare eval --against` gives the total.
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
        /// With `min-fidelity`: the share of calibration samples held out to check the floor on
        /// (0: checked on the samples λ was chosen on).
        public var holdout: Double = 0.25
        /// What eliminated tokens become by default; merging keeps more of a representation.
        public var mode: EliminationProfile.Mode = .merge
        /// How the layers' retention ratios are shaped: by ACC's fitted curve (Eq. 2), or by a
        /// greedy search for the most calibration fidelity per unit of runtime cost
        /// (`ScheduleSearch`; needs `target-speedup` and the whole model).
        public var schedule: Schedule = .acc
        /// Which tokens a layer keeps: ACC's score, discounted by redundancy, or redundancy alone.
        public var keep: EliminationProfile.Keep = .acc
        /// With `schedule=search`: the factor one trial lowers a layer's retention ratio by.
        public var searchStep: Double = 0.85

        public enum Schedule: String, Codable, Sendable, CaseIterable {
            case acc, search
        }
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
            guard holdout >= 0, holdout < 1 else {
                throw .invalidValue(key: "holdout", value: "\(holdout)", expected: "a share in [0, 1) of the calibration samples")
            }
            if let t = targetSpeedup, !(t >= 1 && t.isFinite) {
                throw .invalidValue(key: "target-speedup", value: "\(t)", expected: "a number ≥ 1")
            }
            guard batchSize >= 1 else { throw .invalidValue(key: "batch-size", value: "\(batchSize)", expected: "≥ 1") }
            guard searchStep > 0, searchStep < 1 else {
                throw .invalidValue(key: "search-step", value: "\(searchStep)", expected: "a factor in (0, 1)")
            }
            if schedule == .search, targetSpeedup == nil {
                throw .invalidValue(key: "schedule", value: "search", expected: "acc, or search together with target-speedup (the budget it searches under)")
            }
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
        let (chosenOn, heldOut) = try split(calibration.samples)
        let measurement: ACCMeasurement
        do {
            measurement = try ACCMeasurement.measure(model: model, samples: chosenOn, batchSize: options.batchSize,
                                                     aggregate: options.aggregate, workers: context.workers)
        } catch {
            throw .failed(pass: Self.name, reason: error.description)
        }
        var (profile, diagnostics) = try baseProfile(measurement, model, context: context)
        if options.schedule == .search, let target = options.targetSpeedup {
            let searched: (EliminationProfile, rounds: Int)?
            let fidelity: Double
            do {
                let prepared = PreparedModel(model)
                (searched, fidelity) = try BLASThreads.withCount(1) { () throws(RuntimeError) -> ((EliminationProfile, rounds: Int)?, Double) in
                    let measure = try FidelitySearch(prepared, samples: chosenOn, profile: profile, batchSize: options.batchSize)
                    let search = ScheduleSearch(fidelity: measure, pricing: context.pricing, workload: context.workload, step: options.searchStep)
                    guard let found = try search.search(model, base: profile, target: target) else { return (nil, 0) }
                    return (found, try measure.fidelity(Elimination(profile: found.0, lambda: found.0.defaultLambda)))
                }
            } catch {
                throw .failed(pass: Self.name, reason: error.description)
            }
            guard let (found, rounds) = searched else {
                throw .failed(pass: Self.name, reason: "no schedule reaches \(target)× on the runtime; lower target-speedup")
            }
            profile = found
            let ratios = found.ep.map { String(format: "%.3f", $0) }.joined(separator: ", ")
            diagnostics = [Diagnostic(.note, at: "elimination", "schedule searched in \(rounds) rounds: retention \(ratios) per layer at λ = 1; "
                                      + "default λ = \(String(format: "%.4f", found.defaultLambda)) keeps \(model.config.causal ? "next-token agreement" : "cosine") \(String(format: "%.4f", fidelity)) on the \(chosenOn.count) calibration samples")]
        }
        if let floor = options.minFidelity {
            let fidelity: EliminationProfile.Fidelity
            do {
                // One BLAS thread, as for every calibration statistic: sgemm's rounding depends on
                // how it splits the work, and the λ found must not depend on the machine.
                let prepared = PreparedModel(model)
                (profile.defaultLambda, fidelity) = try BLASThreads.withCount(1) { () throws(RuntimeError) in
                    let search = try FidelitySearch(prepared, samples: chosenOn, profile: profile, batchSize: options.batchSize)
                    let (lambda, value) = try search.smallestLambda(floor: floor)
                    guard !heldOut.isEmpty else { return (lambda, .init(metric: search.metric, value: value, floor: floor)) }
                    let check = try FidelitySearch(prepared, samples: heldOut, profile: profile, batchSize: options.batchSize)
                    return (lambda, .init(metric: search.metric, value: try check.fidelity(lambda: lambda), floor: floor,
                                          chosenOn: chosenOn.count, heldOut: heldOut.count, chosenOnValue: value))
                }
            } catch {
                throw .failed(pass: Self.name, reason: error.description)
            }
            profile.fidelity = fidelity
            diagnostics.append(Self.note(fidelity, lambda: profile.defaultLambda, mode: options.mode))
        }
        return result(profile, measurement, diagnostics: diagnostics, into: &model.elimination, context: context)
    }
}

extension EliminationProfilePass {
    /// The calibration samples λ is chosen on and those held out to check the floor: the last
    /// ⌈holdout · n⌉ (at least one) with `min-fidelity` and holdout > 0, else none held out.
    func split(_ samples: [[Int]]) throws(PassError) -> (chosenOn: [[Int]], heldOut: [[Int]]) {
        guard options.minFidelity != nil, options.holdout > 0 else { return (samples, []) }
        guard samples.count >= 2 else {
            throw .failed(pass: Self.name, reason: "min-fidelity holds out calibration samples to check the floor on, and there is \(samples.count); pass more --samples or holdout=0")
        }
        let held = min(samples.count - 1, max(1, Int((options.holdout * Double(samples.count)).rounded(.up))))
        return (Array(samples.dropLast(held)), Array(samples.suffix(held)))
    }

    /// The log line of a floor: where λ was chosen, where it was checked, and a warning when the
    /// held-out value falls below the floor.
    static func note(_ f: EliminationProfile.Fidelity, lambda: Double, mode: EliminationProfile.Mode) -> Diagnostic {
        let at = "λ = \(String(format: "%.4f", lambda)) (\(mode.rawValue))", value = { String(format: "%.4f", $0) }
        guard let heldOut = f.heldOut, let chosenOn = f.chosenOn, let chosenValue = f.chosenOnValue else {
            return Diagnostic(.note, at: "elimination", "\(at) keeps \(f.metric.rawValue) \(value(f.value)) ≥ \(f.floor) on the calibration samples")
        }
        let text = "\(at) keeps \(f.metric.rawValue) \(value(chosenValue)) on the \(chosenOn) calibration samples it was chosen on, "
            + "\(value(f.value)) on the \(heldOut) held out"
        guard f.holds else {
            return Diagnostic(.warning, at: "elimination", text + ": below the floor \(f.floor)",
                              hint: "raise min-fidelity, give more --samples, or choose lambda yourself")
        }
        return Diagnostic(.note, at: "elimination", text + " (floor \(f.floor))")
    }
}

extension EliminationProfilePass: BlockwisePass {
    /// Block by block unless `min-fidelity` or `schedule=search` is set: those searches run the
    /// whole model with elimination many times, so they need every block at once.
    public func runsBlockwise(_ s: Skeleton, _ context: PassContext) -> Bool { options.minFidelity == nil && options.schedule == .acc }

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
        let (profile, diagnostics) = try baseProfile(measurement, s, context: context)
        return result(profile, measurement, diagnostics: diagnostics, into: &elimination, context: context)
    }

    /// The profile fitted to `measurement`, with the default λ of `lambda` or `target-speedup`
    /// (priced on `graph`, the model as this step receives it).
    func baseProfile<T>(_ measurement: ACCMeasurement, _ graph: ModelGraph<T>, context: PassContext) throws(PassError) -> (EliminationProfile, [Diagnostic]) {
        let causal = graph.config.causal
        guard measurement.samples > 0 else {
            throw .failed(pass: Self.name, reason: "no calibration sample has a token besides the protected one (one-token samples give no ACC); use longer calibration text")
        }
        var profile = EliminationProfile(acc: measurement.acc, fit: options.fit,
                                         protection: causal ? .last : .first, defaultLambda: options.lambda ?? 1)
        profile.mode = options.mode
        profile.keep = options.keep == .acc ? nil : options.keep
        guard let target = options.targetSpeedup else { return (profile, []) }
        let w = context.workload
        guard let lambda = CostModel.lambda(graph, profile: profile, forSpeedup: target, workload: w, pricing: context.pricing) else {
            let best = CostModel.eliminationSpeedup(graph, profile: profile, workload: w, lambda: 1e-6, pricing: context.pricing)
            throw .failed(pass: Self.name, reason: "a \(target)× speedup is out of reach for this profile at \(w.sequenceLength) tokens (λ → 0 gives \(String(format: "%.2f", best))× on the runtime); lower target-speedup")
        }
        profile.defaultLambda = lambda
        let reached = CostModel.eliminationSpeedup(graph, profile: profile, workload: w, lambda: lambda, pricing: context.pricing)
        return (profile, [Diagnostic(.note, at: "elimination", "λ = \(String(format: "%.4f", lambda)) (\(options.mode.rawValue)) runs \(String(format: "%.3f", reached))× "
                                         + "the same model without elimination at \(w.batch) × \(w.sequenceLength) tokens, priced on the runtime (target \(target)×)")])
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
