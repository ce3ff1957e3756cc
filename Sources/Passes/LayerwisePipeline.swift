import Calibration
import Foundation
import ModelIR
import Runtime
import TensorCore

/// Runs a pipeline one block at a time, on an encoder or a decoder (the sequential scheme of GPTQ and
/// llm-compressor), so a compile holds the embeddings, one block in flight and the calibration
/// activations at the current block boundary, whatever the depth. The output is the model the
/// whole-model `Pipeline.run` makes, bit for bit:
///
/// - Step k reads statistics of the model as steps 1…k−1 left it. For each step that reads
///   calibration data the run carries a `CalibrationStream`: the samples' hidden states at the
///   current block under steps 1…k−1. Block l is loaded once; for k = 1…K its statistics are
///   measured on stream k (which then moves past it) and step k changes it. Each block is run
///   by the same `encoderLayer` step as the whole forward pass, and statistics are reduced in
///   batch order, so each step sees the bits it would see on the whole model.
/// - A step with a global budget (`BlockwisePass.plansGlobally`: head-prune's and ffn-prune's
///   `global-fraction`) needs every block's scores first: a statistics-only sweep runs steps
///   1…k−1 on each block (discarding the blocks) and collects step k's scores; `plan` then
///   decides for all blocks before the compiling sweep.
/// - The elimination profile is model-level data: its ACC values are collected per block and
///   the profile is fitted in `finish`, after the last block.
///
/// Finished blocks go to `write` (the artifact's frames), and `release` gets every tensor of
/// the input that the run is done with (mapped pages are then given back).
public enum LayerwisePipeline {
    /// Where a layer-by-layer run is: `block` of `blocks` blocks done in sweep `sweep` of
    /// `sweeps` (statistics-only sweeps first, the compiling sweep last).
    public struct Progress: Sendable {
        /// `compile`, or `scores for step N (pass)` for a statistics-only sweep.
        public var name: String
        public var sweep: Int
        public var sweeps: Int
        public var block: Int
        public var blocks: Int
        public var elapsed: Double
        /// Seconds this sweep still needs at its pace so far (the compiling sweep, which runs
        /// every step, is slower than the statistics-only sweeps before it).
        public var remaining: Double
        /// What measuring this block's calibration statistics cost this rank, over every step's
        /// stream (nil: no step read calibration data here).
        public var calibration: BlockAccounting? = nil
    }

    /// Why `pipeline` cannot run block by block on `s` with `context` (nil: it can).
    public static func obstacle(_ pipeline: Pipeline, _ s: Skeleton, context: PassContext) -> String? {
        for (i, pass) in pipeline.passes.enumerated() {
            let name = type(of: pass).name
            guard let blockwise = pass as? any BlockwisePass else { return "step \(i + 1) (\(name)) runs on the whole model" }
            if !blockwise.runsBlockwise(s, context) { return "step \(i + 1) (\(name)) runs on the whole model with these options or inputs" }
        }
        return nil
    }

    /// Runs `pipeline` on `model` block by block (see the type's doc). `model`'s blocks are read
    /// (not changed); each finished block l goes to `write(l, block)` in order. Returns the log
    /// `Pipeline.run` would return and the skeleton of the output.
    ///
    /// `weights(l)` gives block l's weights each time a sweep reaches it (default: `model.blocks[l]`);
    /// every rank calls it at the same point of every sweep, so it may exchange (rank 0 sending
    /// the weights it reads, `--broadcast-weights`).
    public static func run(_ pipeline: Pipeline, on model: Model, context: PassContext,
                           write: (Int, Block<Tensor>) throws -> Void, release: @escaping ([Tensor]) -> Void = { _ in },
                           progress: @escaping (Progress) -> Void = { _ in },
                           checkpoint: (any LayerwiseCheckpoint)? = nil,
                           weights: ((Int) throws -> Block<Tensor>)? = nil) throws -> (log: [PipelineStep], skeleton: Skeleton) {
        let before = model.skeleton
        let (diagnostics, _) = pipeline.check(before)
        if diagnostics.contains(where: { $0.severity == .error }) { throw PassError.checkFailed(diagnostics) }
        if let obstacle = obstacle(pipeline, before, context: context) {
            throw PassError.failed(pass: "layer-by-layer compile", reason: obstacle)
        }
        let passes = pipeline.passes.map { $0 as! any BlockwisePass }
        for pass in passes { try pass.prepare(before, context: context) }
        var run = Run(model: model, passes: passes, context: context, release: release, progress: progress)
        run.checkpoint = checkpoint
        if let weights { run.weights = weights }
        run.sweeps = 1 + passes.filter(\.plansGlobally).count
        for (g, pass) in passes.enumerated() where pass.plansGlobally {
            let (scores, receives) = try run.sweep(through: g, scoresOf: g, write: nil)
            run.plans[g] = pass.plan(scores: scores, receives)
        }
        try withoutActuallyEscaping(write) { write in
            _ = try run.sweep(through: passes.count, scoresOf: nil, write: write)
        }

        // Each step's log entry from its blocks' outcomes, in order, as `Pipeline.run` makes it.
        var log: [PipelineStep] = []
        var elimination = before.elimination
        for (k, pass) in passes.enumerated() {
            var skeleton = run.skeletons[k + 1]
            let result = try pass.finish(run.outcomes[k], elimination: &elimination, run.skeletons[k], context: context)
            skeleton.elimination = elimination
            for later in (k + 1)..<run.skeletons.count { run.skeletons[later].elimination = elimination }
            let problems = skeleton.verify()
            guard problems.isEmpty else { throw PassError.verifierFailed(step: k, pass: type(of: pass).name, diagnostics: problems) }
            log.append(PipelineStep(entry: PassLogEntry(pass: type(of: pass).name, options: pass.canonicalStep.description,
                                                        changed: result.changed, counters: result.counters, diagnostics: result.diagnostics),
                                    seconds: run.seconds[k], output: result.output, skeleton: skeleton))
        }
        return (log, log.last?.skeleton ?? before)
    }

    /// The state of one layer-by-layer run.
    private struct Run {
        let model: Model
        let passes: [any BlockwisePass]
        let context: PassContext
        let release: ([Tensor]) -> Void
        let progress: (Progress) -> Void
        /// skeletons[k]: the model after steps 1…k (blocks filled in as the compiling sweep goes).
        var skeletons: [Skeleton]
        /// outcomes[k][l]: what step k did to block l.
        var outcomes: [[BlockOutcome]]
        var plans: [Int: [Int: [Int]]] = [:]
        /// Statistics a statistics-only sweep measured for step k at block l, kept when they hold
        /// no Gram matrix (small), so the compiling sweep needs no stream for step k.
        var cached: [Int: [Int: ActivationStatistics]] = [:]
        var seconds: [Double]
        var sweeps = 1
        var sweepsDone = 0
        var checkpoint: (any LayerwiseCheckpoint)?
        /// Block l's weights when a sweep reaches it.
        var weights: (Int) throws -> Block<Tensor>
        let start = ContinuousClock.now

        init(model: Model, passes: [any BlockwisePass], context: PassContext, release: @escaping ([Tensor]) -> Void,
             progress: @escaping (Progress) -> Void) {
            self.model = model
            self.passes = passes
            self.context = context
            self.release = release
            self.progress = progress
            skeletons = Array(repeating: model.skeleton, count: passes.count + 1)
            outcomes = Array(repeating: [], count: passes.count)
            seconds = Array(repeating: 0, count: passes.count)
            weights = { [blocks = model.blocks] in blocks[$0] }
        }

        /// One pass over the blocks running steps 0..<end (and measuring step `scoresOf`'s scores
        /// on the blocks they leave); `write` set for the compiling sweep. Returns the scores and
        /// the skeleton step `scoresOf` receives.
        mutating func sweep(through end: Int, scoresOf g: Int?,
                            write: ((Int, Block<Tensor>) throws -> Void)?) throws -> (scores: [Int: [Double]], receives: Skeleton) {
            let skeleton = model.skeleton, samples = context.calibration?.samples ?? []
            // One stream per step that reads calibration data: its hidden states under the steps
            // before it. All start from the same embeddings, computed once per batch size.
            var streams: [Int: CalibrationStream] = [:], embedded: [Int: CalibrationStream] = [:]
            for k in 0..<min(end + (g == nil ? 0 : 1), passes.count) {
                let reads = skeleton.blocks.indices.filter { passes[k].request(block: $0, skeleton) != nil }
                guard !reads.isEmpty, reads.contains(where: { cached[k]?[$0] == nil }) else { continue }
                guard !samples.isEmpty else {
                    throw PassError.failed(pass: type(of: passes[k]).name, reason: "needs calibration samples; pass --calibration FILE (the default corpus is used when none is given)")
                }
                let batchSize = passes[k].calibrationBatchSize
                do {
                    if embedded[batchSize] == nil {
                        embedded[batchSize] = try CalibrationStream(model, samples: samples, batchSize: batchSize, workers: context.workers,
                                                                   collective: context.collective)
                    }
                    streams[k] = embedded[batchSize]
                } catch {
                    throw PassError.failed(pass: type(of: passes[k]).name, reason: error.description)
                }
            }
            release(embeddingTensors)
            // The compiling sweep resumes after the last checkpointed block.
            var first = 0
            if write != nil, let snapshot = try checkpoint?.resume() {
                first = snapshot.blocksDone
                outcomes = snapshot.outcomes
                for k in passes.indices { skeletons[k + 1].blocks.replaceSubrange(0..<first, with: snapshot.blocks[k]) }
                seconds = snapshot.seconds
                for (k, stream) in streams {
                    guard let (at, hidden) = snapshot.streams[k] else {
                        throw PassError.failed(pass: "layer-by-layer compile", reason: "the checkpoint holds no calibration state for step \(k + 1)")
                    }
                    streams[k] = CalibrationStream(model, samples: samples, batchSize: stream.batchSize, workers: context.workers,
                                                   collective: context.collective, block: at, hidden: hidden)
                }
                for l in 0..<first { release(model.blocks[l].namedTensors(index: l).map(\.tensor)) }
            }
            var scores: [Int: [Double]] = [:], receives = skeleton
            let sweepStart = ContinuousClock.now
            for l in model.blocks.indices.dropFirst(first) {
                var block = try weights(l)
                for k in 0..<min(end, passes.count) {
                    let clock = ContinuousClock.now
                    let statistics = try cached[k]?[l] ?? measure(&streams[k], block, l, skeleton, passes[k])
                    let outcome = try passes[k].apply(to: &block, index: l, statistics: statistics,
                                                      decision: passes[k].plansGlobally ? plans[k]?[l] ?? [] : nil, context: context)
                    seconds[k] += (ContinuousClock.now - clock).inSeconds
                    if write != nil {
                        outcomes[k].append(outcome)
                        skeletons[k + 1].blocks[l] = block.map(\.spec)
                    }
                }
                if let g {
                    let clock = ContinuousClock.now
                    defer { seconds[g] += (ContinuousClock.now - clock).inSeconds }
                    receives.blocks[l] = block.map(\.spec)
                    let statistics = try measure(&streams[g], block, l, skeleton, passes[g])
                    if let request = passes[g].request(block: l, skeleton) {
                        scores[l] = try passes[g].scores(block: block, index: l, statistics: statistics)
                        if request.gram.isEmpty { cached[g, default: [:]][l] = statistics }
                    }
                }
                try write?(l, block)
                if write != nil, let checkpoint {
                    try checkpoint.save(LayerwiseSnapshot(
                        blocksDone: l + 1, outcomes: outcomes, blocks: passes.indices.map { Array(skeletons[$0 + 1].blocks[0...l]) },
                        seconds: seconds, streams: streams.mapValues { ($0.block, $0.hidden) }))
                }
                release(model.blocks[l].namedTensors(index: l).map(\.tensor))
                let measured = streams.values.compactMap { $0.accounting.last }.filter { $0.block == l }
                let calibration = measured.isEmpty ? nil : measured.dropFirst().reduce(measured[0], +)
                let pace = (ContinuousClock.now - sweepStart).inSeconds / Double(l + 1 - first)
                progress(Progress(name: g.map { "scores for step \($0 + 1) (\(type(of: passes[$0]).name))" } ?? "compile",
                                  sweep: sweepsDone + 1, sweeps: sweeps, block: l + 1, blocks: model.blocks.count,
                                  elapsed: (ContinuousClock.now - start).inSeconds, remaining: pace * Double(model.blocks.count - l - 1), calibration: calibration))
            }
            sweepsDone += 1
            return (scores, receives)
        }

        /// Block l's statistics for `pass` from its stream (which moves past the block), or nil
        /// when the pass reads none there.
        private func measure(_ stream: inout CalibrationStream?, _ block: Block<Tensor>, _ l: Int, _ s: Skeleton,
                             _ pass: any BlockwisePass) throws -> ActivationStatistics? {
            guard stream != nil else { return nil }
            let request = pass.request(block: l, s)
            let measured = try stream!.measure(block, request: request ?? .none)
            return request.map { _ in ActivationStatistics(block: measured, layerCount: s.blocks.count) }
        }

        private var embeddingTensors: [Tensor] {
            let e = model.embeddings
            return [e.word] + [e.position, e.tokenType, e.relativeBias].compactMap { $0 }
        }
    }
}
