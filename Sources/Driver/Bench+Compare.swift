import Foundation
import Kernels
import ModelIR
import Runtime

extension Bench {
    /// `pare bench A --against B`: both models on the same synthetic batch, each as it is deployed
    /// (at its baked λ when it carries an elimination profile; A at `options.lambda` when given;
    /// neither eliminates with `options.full`), their forward passes interleaved run by run
    /// (A, B, A, B, …) after warm-up, so that drift in the machine's load hits both alike. The
    /// speedup of A over B is the median of the per-pair ratios t_B / t_A, which cancels slow
    /// phases of the machine better than a ratio of medians. Printed beside it: the runtime cost
    /// model's prediction for the same batch priced for `options.machine`, what the report's
    /// headline says, and the built-in reference's.
    public static func compare(path: String, against reference: String, options: Options) throws(DriverError) -> BenchComparison {
        let a = try ModelSource.load(path), b = try ModelSource.load(reference)
        let w = options.workload
        for (source, name) in [(a, path), (b, reference)] where w.sequenceLength > source.model.config.maxPositions {
            throw .usage("--seq-len \(w.sequenceLength) exceeds the \(source.model.config.maxPositions) positions of \(name)", "choose a shorter sequence")
        }
        guard a.model.config.vocabSize == b.model.config.vocabSize, a.model.config.causal == b.model.config.causal else {
            throw .usage("\(path) and \(reference) are not the same kind of model (vocabulary or encoder/decoder differs)",
                         "compare an artifact with the checkpoint it was compiled from")
        }
        BLASThreads.count = options.threads ?? ProcessInfo.processInfo.activeProcessorCount
        let batch = syntheticBatch(w, config: a.model.config, seed: options.seed)
        let models = [PreparedModel(a.model), PreparedModel(b.model)]
        let eliminations = options.full ? [nil, nil]
            : [try Elimination.chosen(for: a.model, lambda: options.lambda, mode: options.mode), try Elimination.chosen(for: b.model, lambda: nil)]
        func timed(_ i: Int) throws(RuntimeError) -> Double {
            let start = ContinuousClock.now
            try forward(models[i], batch, elimination: eliminations[i])
            return (ContinuousClock.now - start).inSeconds
        }
        var times: [[Double]] = [[], []]
        do {
            for _ in 0..<options.warmup { for i in models.indices { _ = try timed(i) } }
            for _ in 0..<options.runs {
                for i in models.indices { times[i].append(try timed(i)) }
            }
        } catch {
            throw .runtime(error)
        }
        let lengths = [Int](repeating: w.sequenceLength, count: w.batch)
        func predicted(_ rates: KernelRates) -> Double {
            let costs = zip([a.model, b.model], eliminations).map { model, e in
                CostModel.cost(model, counts: CostModel.keptCounts(model, lengths: lengths, profile: e?.profile, lambda: e?.lambda),
                               pricing: .runtime(rates), mode: e?.mode)
            }
            return Double(costs[1]) / Double(max(costs[0], 1))
        }
        let ratios = zip(times[0], times[1]).map { $1 / max($0, 1e-12) }
        return BenchComparison(model: a.name, reference: b.name, batch: w.batch, sequenceLength: w.sequenceLength,
                               threads: BLASThreads.count, blasCore: BLASThreads.coreName, int8Kernel: Int8GEMM.capability.description,
                               runs: options.runs, lambda: eliminations[0]?.lambda, referenceLambda: eliminations[1]?.lambda,
                               latency: .init(times[0]), referenceLatency: .init(times[1]),
                               speedup: median(ratios), speedupMin: ratios.min() ?? 0, speedupMax: ratios.max() ?? 0,
                               fastestRunsSpeedup: (times[1].min() ?? 0) / max(times[0].min() ?? 0, 1e-12),
                               predictedSpeedup: predicted(options.machine.rates), pricedFor: options.machine.summary.line,
                               referencePredictedSpeedup: predicted(.reference))
    }
}

/// What `pare bench A --against B` measured. Times are wall-clock milliseconds.
public struct BenchComparison: Codable, Sendable, CommandOutput {
    public var model: String
    public var reference: String
    public var batch: Int
    public var sequenceLength: Int
    public var threads: Int
    public var blasCore: String
    public var int8Kernel: String
    public var runs: Int
    /// λ each model ran at; nil = the full model.
    public var lambda: Double?
    public var referenceLambda: Double?
    public var latency: BenchReport.Latency
    public var referenceLatency: BenchReport.Latency
    /// Median over runs of t_reference / t_model: > 1 when the model is faster.
    public var speedup: Double
    public var speedupMin: Double
    public var speedupMax: Double
    /// The reference's fastest run / the model's fastest run: a machine's noise only ever adds
    /// time, so this is the steadier estimate on a shared VM when the two disagree.
    public var fastestRunsSpeedup: Double
    /// Runtime cost of the reference / of the model on this batch, priced for `pricedFor`.
    public var predictedSpeedup: Double
    /// The machine profile `predictedSpeedup` is priced with (`MachineProfile.Summary.line`).
    public var pricedFor: String
    /// The same priced with the built-in reference rates (`KernelRates.reference`).
    public var referencePredictedSpeedup: Double

    public func text() -> String {
        let width = max(model.count, reference.count)
        func line(_ name: String, _ l: BenchReport.Latency, _ lambda: Double?) -> String {
            "  " + name.padding(width) + "  median \(Format.fixed(l.median, 1)) ms (min \(Format.fixed(l.min, 1)), max \(Format.fixed(l.max, 1)))"
                + (lambda.map { ", at λ = \(Format.fixed($0, 4))" } ?? ", full model")
        }
        return [
            "workload       batch \(batch) × \(sequenceLength) tokens, \(threads) thread\(threads == 1 ? "" : "s") (OpenBLAS \(blasCore); \(int8Kernel)), \(runs) interleaved runs each",
            line(model, latency, lambda),
            line(reference, referenceLatency, referenceLambda),
            "speedup        \(model) is \(Format.fixed(speedup, 2))× as fast as \(reference) (median of per-run ratios; range \(Format.fixed(speedupMin, 2))–\(Format.fixed(speedupMax, 2)); fastest runs \(Format.fixed(fastestRunsSpeedup, 2))×)",
            "predicted      \(Format.fixed(predictedSpeedup, 2))× by the runtime cost model (the report's headline), measured/predicted \(Format.fixed(speedup / max(predictedSpeedup, 1e-9), 2))",
            "priced for     \(pricedFor)" + (pricedFor == KernelRates.referenceMachine.line ? "" :
                "; the built-in reference predicts \(Format.fixed(referencePredictedSpeedup, 2))× (measured/predicted \(Format.fixed(speedup / max(referencePredictedSpeedup, 1e-9), 2)))"),
        ].joined(separator: "\n") + "\n"
    }
}
