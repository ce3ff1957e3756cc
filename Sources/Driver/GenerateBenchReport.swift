/// What `pare bench --generate` measured. Times are wall-clock milliseconds; bytes are bytes.
public struct GenerateBenchReport: Codable, Sendable, CommandOutput {
    public struct ModelRun: Codable, Sendable {
        public var model: String
        /// λ the model ran at; nil = the full model.
        public var lambda: Double?
        /// Import and preparation (f32 widening where the form needs it).
        public var loadMilliseconds: Double
        /// The prompt through every layer, to the first new token's logits.
        public var prefill: BenchReport.Latency
        /// One decode step (one new token per prompt), median/min/max over runs of each run's mean.
        public var decodePerToken: BenchReport.Latency
        /// batch / median decode step: new tokens per second.
        public var tokensPerSecond: Double
        /// Weight bytes one decode step reads (`PreparedModel.decodeWeightBytes`).
        public var weightBytesPerToken: Int
        /// (weight bytes per step / median step time) / measured bandwidth; nil when not measured.
        public var bandwidthFraction: Double?
    }

    public var batch: Int
    public var promptLength: Int
    public var tokens: Int
    public var threads: Int
    public var blasCore: String
    /// The instruction set of the 16-bit decode kernels (`HalfGEMM.isa`).
    public var decodeKernels: String
    public var warmup: Int
    public var runs: Int
    /// The triad's bandwidth (`MemoryBandwidth.triad`), 10⁹ bytes per second.
    public var memoryBandwidthGBPerSecond: Double?
    /// This model first, then `--against`'s.
    public var models: [ModelRun]
    /// With `--against`: median over runs of decode time of the reference / of the model (> 1 when
    /// the model decodes faster).
    public var decodeSpeedup: Double?

    public func text() -> String {
        var out = [
            "workload       batch \(batch), prompt \(promptLength) tokens, \(tokens) new tokens; \(threads) thread\(threads == 1 ? "" : "s") (OpenBLAS \(blasCore); 16-bit decode kernels \(decodeKernels)); \(warmup) warm-up + \(runs) runs"
        ]
        if let memoryBandwidthGBPerSecond { out.append("memory         \(Format.fixed(memoryBandwidthGBPerSecond, 1)) GB/s (STREAM triad, \(threads) thread\(threads == 1 ? "" : "s"))") }
        for m in models {
            out.append("")
            out.append("\(m.model)" + (m.lambda.map { " at λ = \(Format.fixed($0, 4))" } ?? ""))
            out.append("  load         \(Format.fixed(m.loadMilliseconds, 1)) ms")
            out.append("  prefill      median \(Format.fixed(m.prefill.median, 1)) ms (min \(Format.fixed(m.prefill.min, 1)), max \(Format.fixed(m.prefill.max, 1)))")
            out.append("  decode       median \(Format.fixed(m.decodePerToken.median, 2)) ms/token (min \(Format.fixed(m.decodePerToken.min, 2)), max \(Format.fixed(m.decodePerToken.max, 2))), \(Format.fixed(m.tokensPerSecond, 2)) tokens/s")
            out.append("  weights      \(Format.fixed(Double(m.weightBytesPerToken) / 1e6, 1)) MB read per step"
                + (m.bandwidthFraction.map { ", \(Format.fixed(Double(m.weightBytesPerToken) / 1e9 * 1000 / max(m.decodePerToken.median, 1e-9), 1)) GB/s = \(Format.fixed($0, 2)) of the measured bandwidth" } ?? ""))
        }
        if let decodeSpeedup, models.count == 2 {
            out.append("")
            out.append("speedup        \(models[0].model) decodes \(Format.fixed(decodeSpeedup, 2))× as fast as \(models[1].model) (median of per-run ratios)")
        }
        return out.joined(separator: "\n") + "\n"
    }
}
