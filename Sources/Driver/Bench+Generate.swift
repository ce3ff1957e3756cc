import Foundation
import Kernels
import ModelIR
import Runtime

extension Bench {
    /// `pare bench --generate N`: greedy generation of N new tokens after a prompt of
    /// `promptLength` seeded random ids, `batch` prompts at once (1 unless asked), timed run by
    /// run after warm-up: prefill (the prompt through every layer, to the first new token), then
    /// N − 1 decode steps of one token per prompt each.
    public struct GenerateOptions: Sendable {
        public var tokens: Int
        public var batch: Int
        public var promptLength: Int
        /// OpenBLAS threads (also the decode kernels' threads); nil = every core.
        public var threads: Int?
        public var warmup: Int
        public var runs: Int
        public var seed: UInt64
        /// λ of this model; nil = its default λ when it carries a profile.
        public var lambda: Double?
        /// Measure memory bandwidth (the triad) to state the fraction of it reached.
        public var measureBandwidth: Bool

        public init(tokens: Int, batch: Int = 1, promptLength: Int = 128, threads: Int? = nil, warmup: Int = 1, runs: Int = 3,
                    seed: UInt64 = 0, lambda: Double? = nil, measureBandwidth: Bool = true) {
            self.tokens = tokens
            self.batch = batch
            self.promptLength = promptLength
            self.threads = threads
            self.warmup = warmup
            self.runs = runs
            self.seed = seed
            self.lambda = lambda
            self.measureBandwidth = measureBandwidth
        }
    }

    /// Times generation of the model at `path` and, with `against`, of a second model on the
    /// same prompts, the two alternating run by run (A, B, A, B, …) so drift in the machine's
    /// load hits both alike; each at its baked λ (A at `options.lambda` when given).
    public static func generate(path: String, against reference: String? = nil, options: GenerateOptions) throws(DriverError) -> GenerateBenchReport {
        guard options.tokens >= 2 else { throw .usage("--generate \(options.tokens) times no decode step", "generate at least 2 tokens") }
        var sources: [ModelSource] = [], models: [PreparedModel] = [], loads: [Double] = []
        for p in [path] + (reference.map { [$0] } ?? []) {
            let start = ContinuousClock.now
            let source = try ModelSource.load(p)
            models.append(PreparedModel(source.model))
            loads.append((ContinuousClock.now - start).inSeconds)
            sources.append(source)
            let c = source.model.config
            guard c.causal else {
                throw .usage("\(p): bench --generate times decoders, and this is \(c.architecture.rawValue)", "drop --generate to time its forward pass")
            }
            guard options.promptLength + options.tokens <= c.maxPositions else {
                throw .usage("\(p): --seq-len \(options.promptLength) + --generate \(options.tokens) exceeds its \(c.maxPositions) positions",
                             "choose a shorter prompt or fewer tokens")
            }
        }
        if sources.count == 2, sources[0].model.config.vocabSize != sources[1].model.config.vocabSize {
            throw .usage("\(reference!): its vocabulary differs from \(path)'s", "compare an artifact with the checkpoint it was compiled from")
        }
        BLASThreads.count = options.threads ?? ProcessInfo.processInfo.activeProcessorCount
        let c = sources[0].model.config
        let prompts = syntheticBatch(Workload(batch: options.batch, sequenceLength: options.promptLength), config: c, seed: options.seed).ids
        var eliminations: [Elimination?] = [try Elimination.chosen(for: sources[0].model, lambda: options.lambda)]
        if sources.count == 2 { eliminations.append(try Elimination.chosen(for: sources[1].model, lambda: nil)) }

        /// One generation: prefill seconds and the decode steps' seconds.
        func timed(_ i: Int) throws(RuntimeError) -> (prefill: Double, decode: Double) {
            var marks: [ContinuousClock.Instant] = []
            let start = ContinuousClock.now
            _ = try models[i].generate(prompts: prompts, count: options.tokens, elimination: eliminations[i]) { _ in marks.append(.now) }
            return ((marks[0] - start).inSeconds, (marks[marks.count - 1] - marks[0]).inSeconds)
        }
        var prefill: [[Double]] = models.map { _ in [] }, decode: [[Double]] = models.map { _ in [] }
        do {
            for _ in 0..<options.warmup { for i in models.indices { _ = try timed(i) } }
            for _ in 0..<options.runs {
                for i in models.indices {
                    let t = try timed(i)
                    prefill[i].append(t.prefill)
                    decode[i].append(t.decode)
                }
            }
        } catch {
            throw .runtime(error)
        }
        let bandwidth = options.measureBandwidth ? MemoryBandwidth.triad(threads: BLASThreads.count) : nil
        let steps = Double(options.tokens - 1)
        let runs = models.indices.map { i in
            let perToken = decode[i].map { $0 / steps }
            let bytes = models[i].decodeWeightBytes
            let medianStep = median(perToken)
            return GenerateBenchReport.ModelRun(
                model: sources[i].name, lambda: eliminations[i]?.lambda, loadMilliseconds: loads[i] * 1000,
                prefill: .init(prefill[i]), decodePerToken: .init(perToken),
                tokensPerSecond: Double(options.batch) / max(medianStep, 1e-12), weightBytesPerToken: bytes,
                bandwidthFraction: bandwidth.map { Double(bytes) / max(medianStep, 1e-12) / $0.bytesPerSecond })
        }
        var ratio: Double?
        if models.count == 2 {
            // Per-run ratios of decode time, reference / model: > 1 when the model decodes faster.
            ratio = median(zip(decode[0], decode[1]).map { $1 / max($0, 1e-12) })
        }
        return GenerateBenchReport(
            batch: options.batch, promptLength: options.promptLength, tokens: options.tokens, threads: BLASThreads.count,
            blasCore: BLASThreads.coreName, decodeKernels: HalfGEMM.isa == .avx512 ? "avx512" : "avx2",
            warmup: options.warmup, runs: options.runs,
            memoryBandwidthGBPerSecond: bandwidth.map { $0.bytesPerSecond / 1e9 }, models: runs, decodeSpeedup: ratio)
    }
}
