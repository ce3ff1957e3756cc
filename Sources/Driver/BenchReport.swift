import Foundation
import Report

/// What `pare bench` measured. Times are wall-clock milliseconds.
public struct BenchReport: Codable, Sendable {
    public struct Latency: Codable, Sendable {
        public var median: Double
        public var min: Double
        public var max: Double

        init(_ seconds: [Double]) {
            median = Bench.median(seconds) * 1000
            min = (seconds.min() ?? 0) * 1000
            max = (seconds.max() ?? 0) * 1000
        }
    }

    public struct PhaseTime: Codable, Sendable {
        public var phase: String
        public var milliseconds: Double
    }

    /// One part of the forward pass (`Bench.parts`): its profiled time and share of all profiled
    /// time beside the share the runtime cost model prices it at.
    public struct PartShare: Codable, Sendable {
        public var part: String
        public var milliseconds: Double
        public var measuredShare: Double
        public var predictedShare: Double
    }

    /// The forward pass's GEMMs of one precision (f32 sgemm or int8 u8×s8): their time inside the
    /// forward pass, and the same calls replayed alone back to back. efficiency = alone /
    /// in-forward (1 = no slowdown from the rest). For int8, "FLOP" counts integer multiply-adds
    /// as two operations (GOP).
    public struct GEMMTime: Codable, Sendable {
        public var precision: String = "f32"
        public var calls: Int
        public var flops: Int
        public var inForwardMilliseconds: Double
        public var aloneMilliseconds: Double
        public var efficiency: Double { aloneMilliseconds / max(inForwardMilliseconds, 1e-9) }
        public var gflopsInForward: Double { Double(flops) / max(inForwardMilliseconds, 1e-9) / 1e6 }
        public var gflopsAlone: Double { Double(flops) / max(aloneMilliseconds, 1e-9) / 1e6 }

        enum CodingKeys: String, CodingKey { case precision, calls, flops, inForwardMilliseconds, aloneMilliseconds, efficiency, gflopsInForward, gflopsAlone }

        public init(precision: String = "f32", calls: Int, flops: Int, inForwardMilliseconds: Double, aloneMilliseconds: Double) {
            self.precision = precision
            self.calls = calls
            self.flops = flops
            self.inForwardMilliseconds = inForwardMilliseconds
            self.aloneMilliseconds = aloneMilliseconds
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            precision = try c.decodeIfPresent(String.self, forKey: .precision) ?? "f32"
            calls = try c.decode(Int.self, forKey: .calls)
            flops = try c.decode(Int.self, forKey: .flops)
            inForwardMilliseconds = try c.decode(Double.self, forKey: .inForwardMilliseconds)
            aloneMilliseconds = try c.decode(Double.self, forKey: .aloneMilliseconds)
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(precision, forKey: .precision)
            try c.encode(calls, forKey: .calls)
            try c.encode(flops, forKey: .flops)
            try c.encode(inForwardMilliseconds, forKey: .inForwardMilliseconds)
            try c.encode(aloneMilliseconds, forKey: .aloneMilliseconds)
            try c.encode(efficiency, forKey: .efficiency)
            try c.encode(gflopsInForward, forKey: .gflopsInForward)
            try c.encode(gflopsAlone, forKey: .gflopsAlone)
        }
    }

    /// The eliminating run beside the full one, when the model has an elimination profile.
    public struct EliminationRun: Codable, Sendable {
        public var lambda: Double
        /// N_0…N_L per sample.
        public var tokensKept: [Int]
        public var latency: Latency
        /// Full median / eliminating median.
        public var measuredSpeedup: Double
        /// Whole-model runtime cost full / eliminating (`CostModel.Pricing.reference`, what the report predicts).
        public var predictedSpeedup: Double
        /// Eq. 4' over the blocks only.
        public var predictedBlockSpeedup: Double
        /// Time in score vectors, top-k and gathers in one profiled eliminating run.
        public var selectionMilliseconds: Double
    }

    public var model: String
    public var architecture: String
    public var layers: Int
    public var hiddenSize: Int
    public var batch: Int
    public var sequenceLength: Int
    public var threads: Int
    public var blasCore: String
    public var warmup: Int
    public var runs: Int
    public var loadMilliseconds: Double
    public var latency: Latency
    /// From the static cost model for the workload.
    public var flopsPerBatch: Int
    public var phases: [PhaseTime]
    /// The phases grouped by part, against the cost model priced on `pricedFor`.
    public var parts: [PartShare] = []
    /// The machine profile the parts' predicted shares are priced with.
    public var pricedFor: String = ""
    public var elimination: EliminationRun?
    /// One entry per precision the forward pass ran (f32 first).
    public var gemms: [GEMMTime]
    /// The int8 kernel this machine runs (`Int8GEMM.capability`).
    public var int8Kernel: String
    /// The forward pass's int8 GEMMs against the same shapes in f32; nil without int8 GEMMs.
    public var int8Rate: Int8Rate?

    /// Throughput of int8 GEMMs over f32 GEMMs of the same shapes.
    public struct Int8Rate: Codable, Sendable {
        /// f32 time / int8 time on this machine, both replayed alone.
        public var alone: Double
        /// `alone` × the int8 GEMMs' efficiency in the forward pass (alone / in-forward time):
        /// the rate in the forward pass, taking f32 GEMMs to run there at their alone speed (they
        /// do within a few percent on an f32 model). What `KernelRates.int8GEMM` models.
        public var inForward: Double
        /// `KernelRates.reference.int8GEMM`, what the report's headline assumes.
        public var assumed: Double
    }

    public var samplesPerSecond: Double { Double(batch) / (latency.median / 1000) }
    public var tokensPerSecond: Double { Double(batch * sequenceLength) / (latency.median / 1000) }
    public var achievedGFLOPs: Double { Double(flopsPerBatch) / (latency.median / 1000) / 1e9 }

    /// The `--json` form, with the derived rates added.
    public func json() -> String {
        var object = (try? CommandJSON.value(self)) ?? .object([])
        object.set("samples_per_second", .double(samplesPerSecond))
        object.set("tokens_per_second", .double(tokensPerSecond))
        object.set("achieved_gflops", .double(achievedGFLOPs))
        return CommandJSON.text(object)
    }

    public func text() -> String {
        var out: [String] = []
        out.append("\(model): \(architecture), \(layers) layers, hidden \(hiddenSize)")
        out.append("workload       batch \(batch) × \(sequenceLength) tokens, \(threads) BLAS thread\(threads == 1 ? "" : "s") (\(blasCore)), \(warmup) warm-up + \(runs) runs")
        out.append("latency        median \(Format.fixed(latency.median, 1)) ms (min \(Format.fixed(latency.min, 1)), max \(Format.fixed(latency.max, 1)))")
        out.append("throughput     \(Format.fixed(samplesPerSecond, 1)) samples/s, \(NumberFormat.grouped(Int(tokensPerSecond.rounded()))) tokens/s")
        out.append("compute        \(Format.giga(flopsPerBatch)) GFLOP per batch (cost model) → \(Format.fixed(achievedGFLOPs, 1)) GFLOP/s")
        for gemm in gemms {
            let unit = gemm.precision == "int8" ? "GOP/s" : "GFLOP/s"
            out.append("GEMMs " + gemm.precision.padding(9) + "\(gemm.calls) calls, \(Format.fixed(gemm.inForwardMilliseconds, 1)) ms in the forward pass (\(Format.fixed(gemm.gflopsInForward, 1)) \(unit)); "
                + "alone \(Format.fixed(gemm.aloneMilliseconds, 1)) ms (\(Format.fixed(gemm.gflopsAlone, 1)) \(unit)); efficiency \(Format.fixed(100 * gemm.efficiency, 0))%")
        }
        out.append("int8 kernel    \(int8Kernel)")
        if let r = int8Rate {
            out.append("int8 rate      \(Format.fixed(r.inForward, 2))× the f32 rate in the forward pass (\(Format.fixed(r.alone, 2))× on the same GEMM shapes alone); "
                + "the report assumes \(Format.fixed(r.assumed, 2))×")
        }
        out.append("load           \(Format.fixed(loadMilliseconds, 1)) ms (import + f32 preparation)")
        if let e = elimination {
            out.append("")
            out.append("elimination at λ = \(Format.fixed(e.lambda, 4)): tokens per sample \(e.tokensKept.map(String.init).joined(separator: " → "))")
            out.append("  latency      median \(Format.fixed(e.latency.median, 1)) ms (min \(Format.fixed(e.latency.min, 1)), max \(Format.fixed(e.latency.max, 1))), full model \(Format.fixed(latency.median, 1)) ms")
            out.append("  speedup      measured \(Format.fixed(e.measuredSpeedup, 2))×, predicted \(Format.fixed(e.predictedSpeedup, 2))× (whole model on Pare's runtime; blocks' FLOPs, Eq. 4', \(Format.fixed(e.predictedBlockSpeedup, 2))×), "
                + "measured/predicted \(Format.fixed(e.measuredSpeedup / max(e.predictedSpeedup, 1e-9), 2))")
            out.append("  sort+gather  \(Format.fixed(e.selectionMilliseconds, 1)) ms per batch")
        }
        out.append("")
        out.append("where the time goes (median of 3 profiled runs):")
        let total = phases.reduce(0) { $0 + $1.milliseconds }
        for p in phases.sorted(by: { $0.milliseconds > $1.milliseconds }) {
            out.append("  " + p.phase.padding(20) + Format.fixed(p.milliseconds, 1).padding(8, left: true) + " ms"
                + Format.fixed(100 * p.milliseconds / max(total, 1e-9), 1).padding(7, left: true) + "%")
        }
        if !parts.isEmpty {
            out.append("")
            out.append("measured against the cost model, by part (priced for \(pricedFor)):")
            out.append("  " + "part".padding(28) + "measured".padding(10, left: true) + "predicted".padding(11, left: true))
            for p in parts {
                out.append("  " + p.part.padding(28) + (Format.fixed(100 * p.measuredShare, 1) + "%").padding(10, left: true)
                    + (Format.fixed(100 * p.predictedShare, 1) + "%").padding(11, left: true))
            }
        }
        return out.joined(separator: "\n") + "\n"
    }
}
