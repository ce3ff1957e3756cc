import Calibration
import ModelIR
import TensorCore

/// Options of a pass: Codable (recipes are decoded into them), with defaults (`init()`), and a
/// `validate()` that rejects out-of-range values before any compute. Property names are
/// camelCase in Swift and kebab-case in recipes (`targetSpeedup` ↔ `target-speedup`).
public protocol PassOptions: Codable, Sendable, Equatable {
    init()
    func validate() throws(PassError)
}

/// One transformation of the IR (DESIGN.md §4): one file in `Transforms/` + one line in
/// `PassRegistry`. `check` and `effect` work on the Skeleton (no weights), so a whole pipeline
/// is checked before any weight is read; `run` does the work on the Model.
public protocol Pass: Sendable {
    associatedtype Options: PassOptions
    /// kebab-case recipe key, e.g. `svd-lowrank`.
    static var name: String { get }
    static var summary: String { get }
    /// Whether `run` reads calibration samples with these options (the driver then loads them).
    var needsCalibration: Bool { get }
    /// Whether `run` merges the adapters given with `--adapter` (`PassContext.adapters`); a recipe
    /// given adapters needs exactly one such step.
    static var mergesAdapters: Bool { get }
    var options: Options { get }
    init(options: Options)
    /// Everything that would stop `run`, found without weights.
    func check(_ s: Skeleton) -> [Diagnostic]
    /// The structural change `run` makes; tested as `run(m).skeleton == effect(m.skeleton)`.
    func effect(on s: inout Skeleton)
    func run(on model: inout Model, context: PassContext) async throws(PassError) -> PassResult
}

extension Pass {
    public var needsCalibration: Bool { false }
    public static var mergesAdapters: Bool { false }
}

/// What a pass did.
public struct PassResult: Sendable, Equatable {
    public var changed: Bool
    /// Counters in the pass log, e.g. `["linears-factored": 24]`.
    public var counters: [String: Int]
    public var diagnostics: [Diagnostic]
    /// Analyses (by `PassContext` key) still valid after this pass; none unless stated.
    public var preservedAnalyses: Set<String>
    /// Text a pass produces for the user (`print-ir`); the driver shows it, passes never print.
    public var output: String?

    public init(changed: Bool, counters: [String: Int] = [:], diagnostics: [Diagnostic] = [],
                preservedAnalyses: Set<String> = [], output: String? = nil) {
        self.changed = changed
        self.counters = counters
        self.diagnostics = diagnostics
        self.preservedAnalyses = preservedAnalyses
        self.output = output
    }
}

/// Shared state of one pipeline run: the seed and a cache of analyses (calibration statistics
/// are computed on first use and dropped when a pass changes weights).
public final class PassContext: @unchecked Sendable {
    public let seed: UInt64
    /// Token ids of the calibration samples, when the user (or the default corpus) gave some.
    public let calibration: CalibrationSet?
    /// PEFT LoRA adapters given with `--adapter`, in order; `merge-lora` merges them.
    public let adapters: [LoRAAdapter]
    /// Threads calibration runs on (0: one per core); the statistics' bits do not depend on it.
    public let workers: Int
    /// How the runtime's cost is priced (the machine profile's rates) and on which workload: what
    /// `elimination-profile{target-speedup}` chooses λ by, so that the report and `pare bench`
    /// confirm the target.
    public let pricing: CostModel.Pricing
    public let workload: Workload
    /// The ranks a block-by-block compile splits its calibration batches over (`SingleProcess`
    /// unless started under MPI); the statistics' bits do not depend on it.
    public let collective: any Collective
    private var analyses: [String: any Sendable] = [:]

    public init(seed: UInt64 = 0, calibration: CalibrationSet? = nil, adapters: [LoRAAdapter] = [], workers: Int = 0,
                pricing: CostModel.Pricing = .reference, workload: Workload = Workload(), collective: any Collective = SingleProcess()) {
        self.seed = seed
        self.pricing = pricing
        self.workload = workload
        self.collective = collective
        self.workers = workers
        self.calibration = calibration
        self.adapters = adapters
    }

    /// The cached analysis `key`, computing it with `make` on first use.
    public func analysis<A: Sendable>(_ key: String, as type: A.Type, make: () throws -> A) rethrows -> A {
        if let cached = analyses[key] as? A { return cached }
        let value = try make()
        analyses[key] = value
        return value
    }

    public var cachedAnalyses: Set<String> { Set(analyses.keys) }

    /// Activation statistics of `model` on the calibration samples (linear inputs, head scores;
    /// Gram matrices for `gram`), computed on first use and cached until a pass changes weights.
    public func activationStatistics(_ model: Model, gram: Set<LayerPath> = [], pass: String) throws(PassError) -> ActivationStatistics {
        guard let calibration, !calibration.samples.isEmpty else {
            throw .failed(pass: pass, reason: "needs calibration samples; pass --calibration FILE (the default corpus is used when none is given)")
        }
        let key = "activation-statistics" + gram.map(\.description).sorted().joined(separator: ",")
        if let cached = analyses[key] as? ActivationStatistics { return cached }
        do {
            let statistics = try ActivationStatistics.measure(model, samples: calibration.samples, gram: gram, workers: workers)
            analyses[key] = statistics
            return statistics
        } catch {
            throw .failed(pass: pass, reason: error.description)
        }
    }

    /// Drops every analysis a pass did not declare preserved.
    func invalidate(keeping preserved: Set<String>) {
        analyses = analyses.filter { preserved.contains($0.key) }
    }
}

extension Diagnostic {
    /// The error of a pass whose `select` glob matches no linear of the skeleton.
    static func selectsNoLinear(_ select: LayerGlob) -> Diagnostic {
        Diagnostic(.error, at: select.pattern, "selects no linear",
                   hint: "use a glob such as blocks.*.mlp.* (see `pare inspect` for the layer names)")
    }
}
