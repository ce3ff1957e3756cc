import Calibration
import ModelIR
import TensorCore

/// A pass that can run one encoder block at a time, so a compile holds one block instead of the
/// whole model (`LayerwisePipeline`, the sequential scheme of GPTQ and llm-compressor). Its
/// whole-model `run` is `runByBlocks`: the same per-block steps over every block in order, so
/// both paths write the same bytes.
///
/// The steps, for block l on the model as the pass receives it:
/// 1. `request(block:)`: what the pass reads of block l's calibration statistics (nil: none);
/// 2. a pass with a global budget (`plansGlobally`) first gets `scores` from every block in a
///    statistics-only sweep, then `plan` decides for all blocks at once;
/// 3. `apply` changes block l (with its plan entry, when there is one) and reports an outcome;
/// 4. `finish` turns the outcomes (in block order) into the pass's log entry, and may set
///    model-level data (the elimination profile).
public protocol BlockwisePass: Pass {
    /// Whether this step can run block by block on `s` with these options and this context (for
    /// example merge-lora only when there is nothing to merge, int8-quantize only when it selects
    /// block linears alone). Default: yes.
    func runsBlockwise(_ s: Skeleton, _ context: PassContext) -> Bool
    /// Checks that need the whole skeleton, before any block is read (default: none).
    func prepare(_ s: Skeleton, context: PassContext) throws(PassError)
    /// Calibration statistics of block l this pass reads; nil when it reads none for that block.
    func request(block l: Int, _ s: Skeleton) -> CalibrationStream.Request?
    /// Samples per calibration batch (batches are the unit of the statistics' reduction order).
    var calibrationBatchSize: Int { get }
    /// Whether `plan` needs every block's `scores` before any block changes.
    var plansGlobally: Bool { get }
    /// Block l's scores for a global plan, from its statistics.
    func scores(block: Block<Tensor>, index l: Int, statistics: ActivationStatistics?) throws(PassError) -> [Double]
    /// Per block, the decision a global budget makes (indices whose meaning is the pass's).
    func plan(scores: [Int: [Double]], _ s: Skeleton) -> [Int: [Int]]
    /// Changes block l. `decision` is its plan entry when `plansGlobally`.
    func apply(to block: inout Block<Tensor>, index l: Int, statistics: ActivationStatistics?, decision: [Int]?,
               context: PassContext) throws(PassError) -> BlockOutcome
    /// The log entry from every block's outcome (block order); may set the elimination profile.
    func finish(_ outcomes: [BlockOutcome], elimination: inout EliminationProfile?, _ s: Skeleton,
                context: PassContext) throws(PassError) -> PassResult
}

/// What `apply` did to one block.
public struct BlockOutcome: Sendable, Codable, Equatable {
    public var changed: Bool
    /// Counters summed over blocks into the pass log (a pass reports every key on every block).
    public var counters: [String: Int]
    /// Notes about this block, in the order the log shows them.
    public var notes: [Diagnostic]
    /// Figures `finish` needs (kept widths, calibration tokens), by name.
    public var facts: [String: Int]
    /// ACC of each calibration sample at this block (elimination-profile), samples without an
    /// unprotected token left out.
    public var acc: [Double]

    public init(changed: Bool, counters: [String: Int] = [:], notes: [Diagnostic] = [], facts: [String: Int] = [:], acc: [Double] = []) {
        self.changed = changed
        self.counters = counters
        self.notes = notes
        self.facts = facts
        self.acc = acc
    }

    /// Counters summed over `outcomes`.
    public static func summed(_ outcomes: [BlockOutcome]) -> [String: Int] {
        outcomes.reduce(into: [:]) { total, o in total.merge(o.counters, uniquingKeysWith: +) }
    }
}

extension BlockwisePass {
    public func runsBlockwise(_ s: Skeleton, _ context: PassContext) -> Bool { true }
    public func prepare(_ s: Skeleton, context: PassContext) throws(PassError) {}
    public var calibrationBatchSize: Int { 16 }
    public var plansGlobally: Bool { false }
    public func scores(block: Block<Tensor>, index l: Int, statistics: ActivationStatistics?) throws(PassError) -> [Double] { [] }
    public func plan(scores: [Int: [Double]], _ s: Skeleton) -> [Int: [Int]] { [:] }

    /// Gram matrices of every block's request, as paths.
    func gramPaths(_ s: Skeleton) -> Set<LayerPath> {
        Set(s.blocks.indices.flatMap { l in (request(block: l, s)?.gram ?? []).map { LayerPath.block(l, $0) } })
    }

    /// `Pass.run` of a pass that runs every block the same way with any options (ffn-prune,
    /// head-prune): its options validated (a pass built in code has not been through the
    /// recipe's validation), then `runByBlocks`.
    public func run(on model: inout Model, context: PassContext) async throws(PassError) -> PassResult {
        try options.validate()
        return try runByBlocks(on: &model, context: context)
    }

    /// The whole-model `run`: statistics of the whole model (cached in `context`), the global
    /// plan, then `apply` on every block in order and `finish`.
    public func runByBlocks(on model: inout Model, context: PassContext) throws(PassError) -> PassResult {
        let s = model.skeleton
        let reads = s.blocks.indices.contains { request(block: $0, s) != nil }
        let statistics = reads ? try context.activationStatistics(model, gram: gramPaths(s), pass: Self.name) : nil
        var decisions: [Int: [Int]] = [:]
        if plansGlobally {
            var scored: [Int: [Double]] = [:]
            for l in model.blocks.indices where request(block: l, s) != nil {
                scored[l] = try scores(block: model.blocks[l], index: l, statistics: statistics)
            }
            decisions = plan(scores: scored, s)
        }
        var outcomes: [BlockOutcome] = []
        for l in model.blocks.indices {
            outcomes.append(try apply(to: &model.blocks[l], index: l, statistics: statistics,
                                      decision: plansGlobally ? decisions[l] ?? [] : nil, context: context))
        }
        return try finish(outcomes, elimination: &model.elimination, s, context: context)
    }
}
