import Foundation
import Kernels
import HuggingFace
import ModelIR
import Runtime
import TensorCore

/// `pare bench`: latency and throughput of the forward pass on a fixed workload, measured after
/// warm-up over repeated runs, with where the time goes and how fast the GEMMs run compared
/// with the same GEMMs run alone.
public enum Bench {
    public struct Options: Sendable {
        public var workload: Workload
        /// OpenBLAS threads; nil = every core.
        public var threads: Int?
        public var warmup: Int
        public var runs: Int
        public var seed: UInt64
        /// λ for the eliminating run; nil = the model's default λ when it has a profile.
        public var lambda: Double?
        /// `--against`: time both models without elimination, whatever profiles they carry.
        public var full: Bool
        /// Overrides the profile's elimination mode (of this model, not of `--against`'s).
        public var mode: EliminationProfile.Mode?
        /// The machine the predicted speedups are priced for.
        public var machine: PricingMachine = .reference

        public init(workload: Workload = Workload(batch: 8, sequenceLength: 128), threads: Int? = nil,
                    warmup: Int = 2, runs: Int = 10, seed: UInt64 = 0, lambda: Double? = nil, full: Bool = false,
                    mode: EliminationProfile.Mode? = nil) {
            self.workload = workload
            self.threads = threads
            self.warmup = warmup
            self.runs = runs
            self.seed = seed
            self.lambda = lambda
            self.full = full
            self.mode = mode
        }
    }

    public static func run(path: String, options: Options) throws(DriverError) -> BenchReport {
        let loadStart = ContinuousClock.now
        let source = try ModelSource.load(path)
        let model = source.model
        let prepared = PreparedModel(model)
        let elimination = try Elimination.chosen(for: model, lambda: options.lambda, mode: options.mode)
        let loadSeconds = (ContinuousClock.now - loadStart).inSeconds
        let c = model.config, w = options.workload
        guard w.sequenceLength <= c.maxPositions else {
            throw .usage("--seq-len \(w.sequenceLength) exceeds the model's \(c.maxPositions) positions", "choose a shorter sequence")
        }
        BLASThreads.count = options.threads ?? ProcessInfo.processInfo.activeProcessorCount
        let batch = syntheticBatch(w, config: c, seed: options.seed)
        let forwardWith = { (e: Elimination?, profile: ForwardProfile?) throws(RuntimeError) in
            try Bench.forward(prepared, batch, elimination: e, profile: profile)
        }
        let forward = { (profile: ForwardProfile?) throws(RuntimeError) in try forwardWith(nil, profile) }
        var latencies: [Double] = [], eliminating: [Double] = []
        do {
            for _ in 0..<options.warmup {
                try forward(nil)
                if let elimination { try forwardWith(elimination, nil) }
            }
            // Full and eliminating runs alternate, so drift in machine load hits both alike.
            for _ in 0..<options.runs {
                var start = ContinuousClock.now
                try forward(nil)
                latencies.append((ContinuousClock.now - start).inSeconds)
                if let elimination {
                    start = ContinuousClock.now
                    try forwardWith(elimination, nil)
                    eliminating.append((ContinuousClock.now - start).inSeconds)
                }
            }
        } catch {
            throw .runtime(error)
        }
        // Profiled runs: per-phase medians, and the GEMM calls to replay alone.
        var profiles: [ForwardProfile] = []
        var unattributed: [Double] = []
        for _ in 0..<3 {
            let profile = ForwardProfile()
            let start = ContinuousClock.now
            try? forward(profile)
            unattributed.append((ContinuousClock.now - start).inSeconds - profile.seconds.values.reduce(0, +))
            profiles.append(profile)
        }
        var eliminationReport: BenchReport.EliminationRun?
        if let elimination, let profile = model.elimination {
            let counts = profile.keptCounts(tokens: w.sequenceLength, lambda: elimination.lambda)
            let lengths = [Int](repeating: w.sequenceLength, count: w.batch)
            let predicted = Double(CostModel.cost(model, counts: CostModel.keptCounts(model, lengths: lengths, profile: nil, lambda: nil), pricing: .runtime(options.machine.rates)))
                / Double(max(CostModel.cost(model, counts: [[Int]](repeating: counts, count: w.batch), pricing: .runtime(options.machine.rates),
                                            mode: elimination.mode), 1))
            let eliminatingProfile = ForwardProfile()
            try? forwardWith(elimination, eliminatingProfile)
            eliminationReport = .init(
                lambda: elimination.lambda, tokensKept: counts, latency: .init(eliminating),
                measuredSpeedup: median(latencies) / max(median(eliminating), 1e-12), predictedSpeedup: predicted,
                predictedBlockSpeedup: CostModel.eliminationSpeedup(model, profile: profile, tokens: w.sequenceLength, lambda: elimination.lambda),
                selectionMilliseconds: (eliminatingProfile.seconds[.selection] ?? 0) * 1000)
        }
        var report = BenchReport(
            model: source.name, architecture: c.architecture.rawValue, layers: c.layerCount, hiddenSize: c.hiddenSize,
            batch: w.batch, sequenceLength: w.sequenceLength, threads: BLASThreads.count, blasCore: BLASThreads.coreName,
            warmup: options.warmup, runs: options.runs, loadMilliseconds: loadSeconds * 1000,
            latency: .init(latencies), flopsPerBatch: CostModel.flops(model, workload: w).total,
            phases: ForwardProfile.Phase.allCases.compactMap { phase in
                let values = profiles.map { $0.seconds[phase] ?? 0 }
                return values.allSatisfy({ $0 == 0 }) ? nil : BenchReport.PhaseTime(phase: phase.rawValue, milliseconds: median(values) * 1000)
            } + [BenchReport.PhaseTime(phase: "other (allocation, copies)", milliseconds: max(0, median(unattributed)) * 1000)],
            elimination: eliminationReport,
            gemms: ForwardProfile.Precision.allCases.compactMap { precision in
                let calls = profiles[0].gemms.filter { $0.precision == precision }
                guard !calls.isEmpty else { return nil }
                return .init(precision: precision.rawValue, calls: calls.count, flops: calls.reduce(0) { $0 + $1.flops },
                             inForwardMilliseconds: median(profiles.map { $0.gemmSeconds[precision] ?? 0 }) * 1000,
                             aloneMilliseconds: replay(calls, repeats: max(3, options.runs / 2)) * 1000)
            },
            int8Kernel: Int8GEMM.capability.description,
            int8Rate: int8Rate(profiles[0].gemms.filter { $0.precision == .int8 }, repeats: max(3, options.runs / 2),
                               inForwardSeconds: median(profiles.map { $0.gemmSeconds[.int8] ?? 0 }), assumed: options.machine.rates.int8GEMM))
        report.parts = partShares(report.phases, predicted: CostModel.cost(model, workload: w, pricing: .runtime(options.machine.rates)))
        report.pricedFor = options.machine.summary.line
        return report
    }

    /// The int8 GEMM calls of a forward pass replayed alone, and the same shapes as f32 sgemm:
    /// this machine's int8/f32 rate beside the one the cost model assumes. nil without int8 calls.
    static func int8Rate(_ calls: [ForwardProfile.GEMMCall], repeats: Int, inForwardSeconds: Double,
                         assumed: Double = KernelRates.reference.int8GEMM) -> BenchReport.Int8Rate? {
        guard !calls.isEmpty else { return nil }
        let asF32 = calls.map { call -> ForwardProfile.GEMMCall in
            var c = call
            c.precision = .f32
            return c
        }
        let int8 = replay(calls, repeats: repeats), f32 = replay(asF32, repeats: repeats)
        let alone = f32 / max(int8, 1e-12)
        return .init(alone: alone, inForward: alone * min(1, int8 / max(inForwardSeconds, 1e-12)), assumed: assumed)
    }

    /// One forward pass of `model` over `batch`: `decode` for causal models, `encode` otherwise.
    static func forward(_ model: PreparedModel, _ batch: TokenBatch, elimination: Elimination? = nil,
                        profile: ForwardProfile? = nil) throws(RuntimeError) {
        if model.config.causal { _ = try model.decode(batch, elimination: elimination, profile: profile) }
        else { _ = try model.encode(batch, elimination: elimination, profile: profile) }
    }

    /// `batch` samples of exactly `sequenceLength` seeded random ids (BERT: [CLS] … [SEP]-shaped
    /// lengths don't matter for timing; ids only select embedding rows).
    static func syntheticBatch(_ w: Workload, config: ModelConfig, seed: UInt64) -> TokenBatch {
        var rng = SplitMix64(seed: seed)
        return TokenBatch(ids: (0..<w.batch).map { _ in
            (0..<w.sequenceLength).map { _ in Int.random(in: 0..<config.vocabSize, using: &rng) }
        })
    }

    /// Median wall time of running `calls` (all of one precision) back to back on scratch buffers.
    static func replay(_ calls: [ForwardProfile.GEMMCall], repeats: Int) -> Double {
        let size = calls.reduce(1) { r, c in
            max(r, c.m * c.lda, (c.transposeB ? c.n : c.k) * c.ldb, c.m * c.ldc)
        }
        var rng = SplitMix64(seed: 1)
        let a = (0..<size).map { _ in Float.random(in: -1...1, using: &rng) }
        let b = (0..<size).map { _ in Float.random(in: -1...1, using: &rng) }
        let codes = a.map { UInt8(($0 + 1) * 127) }, weights = b.map { Int8($0 * 127) }
        var c = [Float](repeating: 0, count: size)
        var accumulators = [Int32](repeating: 0, count: size)
        var times: [Double] = []
        for _ in 0..<(repeats + 1) {
            let start = ContinuousClock.now
            for call in calls {
                switch call.precision {
                case .f32:
                    GEMM.multiply(a, b, into: &c, m: call.m, n: call.n, k: call.k,
                                  transposeB: call.transposeB, lda: call.lda, ldb: call.ldb, ldc: call.ldc)
                case .int8:
                    Int8GEMM.multiply(codes, lda: call.lda, weights, ldb: call.ldb, into: &accumulators, ldc: call.ldc,
                                      m: call.m, n: call.n, k: call.k)
                }
            }
            times.append((ContinuousClock.now - start).inSeconds)
        }
        return median(Array(times.dropFirst()))
    }


    static func median(_ values: [Double]) -> Double {
        let s = values.sorted()
        guard !s.isEmpty else { return 0 }
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}
