import Foundation
import Kernels
import Runtime

extension Bench {
    /// `pare bench A --against B`: both models on the same synthetic batch, their full forward
    /// passes interleaved run by run (A, B, A, B, …) after warm-up, so that drift in the machine's
    /// load hits both alike. The speedup of A over B is the median of the per-pair ratios
    /// t_B / t_A, which cancels slow phases of the machine better than a ratio of medians.
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
        func timed(_ m: PreparedModel) throws(RuntimeError) -> Double {
            let start = ContinuousClock.now
            try forward(m, batch)
            return seconds(ContinuousClock.now - start)
        }
        var times: [[Double]] = [[], []]
        do {
            for _ in 0..<options.warmup { for m in models { try forward(m, batch) } }
            for _ in 0..<options.runs {
                for (i, m) in models.enumerated() { times[i].append(try timed(m)) }
            }
        } catch {
            throw .runtime(error)
        }
        let ratios = zip(times[0], times[1]).map { $1 / max($0, 1e-12) }
        return BenchComparison(model: a.name, reference: b.name, batch: w.batch, sequenceLength: w.sequenceLength,
                               threads: BLASThreads.count, blasCore: BLASThreads.coreName, int8Kernel: Int8GEMM.capability.description,
                               runs: options.runs, latency: .init(times[0]), referenceLatency: .init(times[1]),
                               speedup: median(ratios), speedupMin: ratios.min() ?? 0, speedupMax: ratios.max() ?? 0)
    }
}

/// What `pare bench A --against B` measured. Times are wall-clock milliseconds.
public struct BenchComparison: Codable, Sendable {
    public var model: String
    public var reference: String
    public var batch: Int
    public var sequenceLength: Int
    public var threads: Int
    public var blasCore: String
    public var int8Kernel: String
    public var runs: Int
    public var latency: BenchReport.Latency
    public var referenceLatency: BenchReport.Latency
    /// Median over runs of t_reference / t_model: > 1 when the model is faster.
    public var speedup: Double
    public var speedupMin: Double
    public var speedupMax: Double

    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try! encoder.encode(self), as: UTF8.self) + "\n"
    }

    public func text() -> String {
        let width = max(model.count, reference.count)
        func line(_ name: String, _ l: BenchReport.Latency) -> String {
            "  " + name.padding(width) + "  median \(Format.fixed(l.median, 1)) ms (min \(Format.fixed(l.min, 1)), max \(Format.fixed(l.max, 1)))"
        }
        return [
            "workload       batch \(batch) × \(sequenceLength) tokens, \(threads) thread\(threads == 1 ? "" : "s") (OpenBLAS \(blasCore); \(int8Kernel)), \(runs) interleaved runs each",
            line(model, latency),
            line(reference, referenceLatency),
            "speedup        \(model) is \(Format.fixed(speedup, 2))× as fast as \(reference) (median of per-run ratios; range \(Format.fixed(speedupMin, 2))–\(Format.fixed(speedupMax, 2)))",
        ].joined(separator: "\n") + "\n"
    }
}
