import Foundation
import ModelIR
import Runtime
import Tokenizers
import TensorCore

/// `pare eval`: how far a compiled model's outputs are from a reference, on held-out text, at
/// each λ of a sweep. Encoders: cosine of sentence embeddings; causal LMs: agreement of the
/// greedy next token and the KL divergence of next-token distributions; encoder-decoders (T5):
/// the same on the decoder's first step, with elimination in the encoder.
public enum Eval {
    public struct Options: Sendable {
        /// The reference model; nil = the same model without elimination.
        public var against: String?
        /// Held-out text, one sample per line; nil = examples/calibration/heldout.txt.
        public var data: String?
        public var samples: Int
        public var maxLength: Int
        /// λ values to evaluate; nil = a default sweep up to the identity λ (when the model has a profile).
        public var lambdas: [Double]?
        /// The elimination mode of the sweep (and of the latency run); nil = the profile's.
        public var mode: EliminationProfile.Mode?
        /// Sweep the other mode too, so both curves are side by side.
        public var bothModes: Bool
        /// The machine the predicted speedup is priced for.
        public var machine: PricingMachine = .reference
        /// Interleaved timed runs of each model for the measured speedup (median of per-run ratios).
        public var runs = 5

        public init(against: String? = nil, data: String? = nil, samples: Int = 96, maxLength: Int = 128, lambdas: [Double]? = nil,
                    mode: EliminationProfile.Mode? = nil, bothModes: Bool = false) {
            self.against = against
            self.data = data
            self.samples = samples
            self.maxLength = maxLength
            self.lambdas = lambdas
            self.mode = mode
            self.bothModes = bothModes
        }
    }

    static let defaultSweep = [0.7, 0.8, 0.85, 0.9, 0.95, 1.0, 1.1, 1.2]

    public static func run(path: String, options: Options) throws(DriverError) -> EvalReport {
        let source = try ModelSource.load(path)
        let reference = try options.against.map { p throws(DriverError) in try ModelSource.load(p) } ?? source
        guard reference.model.config.vocabSize == source.model.config.vocabSize,
              reference.model.config.architecture == source.model.config.architecture else {
            throw .usage("\(reference.name) is not the same kind of model as \(source.name)", "pass the checkpoint the artifact was compiled from")
        }
        let tokenizer = try source.tokenizer(path: path)
        let c = source.model.config
        let dataPath = options.data ?? ShippedFiles.locate(ShippedFiles.heldOut)
        guard let dataPath else {
            throw .usage("no evaluation data: \(ShippedFiles.heldOut.checkout) was not found", "pass --data FILE (one text per line)")
        }
        let set = try CalibrationInput.load(.init(path: dataPath, samples: options.samples, maxLength: options.maxLength, seed: 1),
                                            config: c, tokenizer: tokenizer)
        let model = PreparedModel(source.model), referenceModel = PreparedModel(reference.model)
        // (mode, λ) per point: the full model first, then the sweep in the chosen mode (and the other one).
        var runs: [(mode: EliminationProfile.Mode?, lambda: Double?)] = [(nil, nil)]
        let mode = options.mode ?? source.model.elimination?.mode ?? .drop
        if let profile = source.model.elimination {
            let sweep = Set(options.lambdas ?? (defaultSweep.filter { $0 < profile.identityLambda } + [profile.defaultLambda])).sorted()
            let modes = options.bothModes ? [mode] + EliminationProfile.Mode.allCases.filter { $0 != mode } : [mode]
            runs += modes.flatMap { m in sweep.map { (Optional(m), Optional($0)) } }
        } else if options.lambdas != nil || options.mode != nil || options.bothModes {
            throw .usage("--lambdas, --elimination-mode and --both-modes need an elimination profile, and this model has none",
                         "compile it with elimination-profile")
        }
        let batch = TokenBatch(ids: set.samples)
        let meanLength = Double(set.samples.reduce(0) { $0 + $1.count }) / Double(set.samples.count)
        var points: [EvalReport.Point] = []
        var comparison = EvalReport.Comparison()
        // The artifact as deployed (at its baked λ) against the reference as given (its own baked λ, if any).
        let baked = source.model.elimination.map { Elimination(profile: $0, lambda: $0.defaultLambda, mode: mode) }
        let referenceBaked = options.against == nil ? nil : reference.model.elimination.map { Elimination(profile: $0, lambda: $0.defaultLambda) }
        do {
            comparison = try compare(model, referenceModel, batch: batch, causal: c.causal,
                                     elimination: baked, referenceElimination: referenceBaked, runs: options.runs)
            if c.decoderLayerCount != nil {
                // Encoder-decoder: the decoder's first-step distribution, the encoder eliminating.
                let want = try set.samples.map { (s) throws(RuntimeError) in try referenceModel.firstStepLogits(input: s) }
                for run in runs {
                    let e = run.lambda.map { Elimination(profile: source.model.elimination!, lambda: $0, mode: run.mode) }
                    let got = try set.samples.map { (s) throws(RuntimeError) in try model.firstStepLogits(input: s, elimination: e) }
                    let kept = try model.encode(batch, elimination: e).keptCounts
                    let agree = zip(want, got).filter { PreparedModel.argmax($0) == PreparedModel.argmax($1) }.count
                    let kl = zip(want, got).map { Self.kl($0, $1) }
                    points.append(point(run, source.model, set.samples, kept, meanLength,
                                        mean: Double(agree) / Double(want.count), worst: kl.max() ?? 0, metric2: kl.reduce(0, +) / Double(kl.count), rates: options.machine.rates))
                }
            } else if c.causal {
                let want = try referenceModel.decode(batch).nextTokenLogits
                for run in runs {
                    let e = run.lambda.map { Elimination(profile: source.model.elimination!, lambda: $0, mode: run.mode) }
                    let out = try model.decode(batch, elimination: e)
                    let agree = zip(want, out.nextTokenLogits).filter { PreparedModel.argmax($0) == PreparedModel.argmax($1) }.count
                    let kl = zip(want, out.nextTokenLogits).map { Self.kl($0, $1) }
                    points.append(point(run, source.model, set.samples, out.keptCounts, meanLength,
                                        mean: Double(agree) / Double(want.count), worst: kl.max() ?? 0, metric2: kl.reduce(0, +) / Double(kl.count), rates: options.machine.rates))
                }
            } else {
                let want = try referenceModel.encode(batch).sentenceEmbeddings()
                for run in runs {
                    let e = run.lambda.map { Elimination(profile: source.model.elimination!, lambda: $0, mode: run.mode) }
                    let out = try model.encode(batch, elimination: e)
                    let cosines = zip(want, out.sentenceEmbeddings()).map { EncoderOutput.cosine($0, $1) }
                    points.append(point(run, source.model, set.samples, out.keptCounts, meanLength,
                                        mean: cosines.reduce(0, +) / Double(cosines.count), worst: cosines.min() ?? 0, metric2: nil,
                                        rates: options.machine.rates))
                }
            }
        } catch {
            throw .runtime(error)
        }
        let lengths = set.samples.map(\.count)
        func predicted(_ pricing: CostModel.Pricing) -> Double {
            let a = CostModel.cost(source.model, counts: CostModel.keptCounts(source.model, lengths: lengths, profile: baked?.profile,
                                                                              lambda: baked?.lambda), pricing: pricing, mode: baked?.mode)
            let b = CostModel.cost(reference.model, counts: CostModel.keptCounts(reference.model, lengths: lengths, profile: referenceBaked?.profile,
                                                                                 lambda: referenceBaked?.lambda), pricing: pricing,
                                   mode: referenceBaked?.mode)
            return Double(b) / Double(max(a, 1))
        }
        comparison.lambda = baked?.lambda
        comparison.predictedSpeedup = predicted(.runtime(options.machine.rates))
        comparison.pricedFor = options.machine.summary.line
        comparison.predictedFLOPsSpeedup = predicted(.flops)
        return EvalReport(model: source.name, reference: options.against == nil ? "\(source.name) without elimination" : reference.name,
                          data: (dataPath as NSString).lastPathComponent, samples: set.samples.count, meanTokens: meanLength,
                          metric: c.decoderLayerCount != nil ? "first decoder step agreement" : c.causal ? "next-token agreement" : "cosine of sentence embeddings",
                          comparison: comparison, points: points)
    }

    /// The full (uneliminated) model against the reference: hidden-state differences (encoders)
    /// or perplexities (causal LMs); and the median latency of both on the evaluation batch as
    /// deployed, each with its elimination (nil = full).
    static func compare(_ model: PreparedModel, _ reference: PreparedModel, batch: TokenBatch, causal: Bool,
                        elimination: Elimination?, referenceElimination: Elimination?, runs: Int = 5) throws(RuntimeError) -> EvalReport.Comparison {
        var result = EvalReport.Comparison()
        if causal {
            func perplexity(_ m: PreparedModel) throws(RuntimeError) -> Double {
                let nll = try m.negativeLogLikelihood(batch)
                return exp(nll.reduce(0) { $0 + $1.sum } / Double(max(nll.reduce(0) { $0 + $1.count }, 1)))
            }
            result.perplexity = try perplexity(model)
            result.referencePerplexity = try perplexity(reference)
        } else {
            let a = try model.encode(batch).lastHidden, b = try reference.encode(batch).lastHidden
            let differences = zip(a, b).map { Double(abs($0 - $1)) }
            result.hiddenMaxAbs = differences.max() ?? 0
            result.hiddenMeanAbs = differences.reduce(0, +) / Double(max(differences.count, 1))
        }
        // Interleaved (model, reference, model, …) so that drift in the machine's load hits both alike.
        var times: [[Double]] = [[], []]
        for _ in 0..<max(1, runs) {
            for (i, (m, e)) in [(model, elimination), (reference, referenceElimination)].enumerated() {
                let start = ContinuousClock.now
                try Bench.forward(m, batch, elimination: e)
                times[i].append((ContinuousClock.now - start).inSeconds * 1000)
            }
        }
        result.milliseconds = Bench.median(times[0])
        result.referenceMilliseconds = Bench.median(times[1])
        result.measuredSpeedup = Bench.median(zip(times[0], times[1]).map { $1 / max($0, 1e-12) })
        return result
    }

    /// One row of the sweep. Its speedups compare the model at this λ with the same model
    /// without elimination on these samples: the whole forward pass on Pare's runtime (priced
    /// on `rates`, merging's overhead included), and the blocks' FLOPs (Eq. 4').
    private static func point(_ run: (mode: EliminationProfile.Mode?, lambda: Double?), _ model: Model, _ samples: [[Int]],
                              _ kept: [[Int]], _ meanLength: Double, mean: Double, worst: Double, metric2: Double?,
                              rates: KernelRates) -> EvalReport.Point {
        let lambda = run.lambda
        let full = CostModel.keptCounts(model, lengths: samples.map(\.count), profile: nil, lambda: nil)
        func ratio(_ pricing: CostModel.Pricing) -> Double {
            Double(CostModel.cost(model, counts: full, pricing: pricing, mode: run.mode))
                / Double(max(CostModel.cost(model, counts: kept, pricing: pricing, mode: run.mode), 1))
        }
        let fullFLOPs = full.reduce(0) { $0 + CostModel.blockFLOPs(model, counts: $1).reduce(0) { $0 + $1.total } }
        let keptFLOPs = kept.reduce(0) { $0 + CostModel.blockCosts(model, counts: $1, pricing: .flops, mode: run.mode).reduce(0) { $0 + $1.total } }
        let last = kept.map { Double($0.last ?? 0) }
        return EvalReport.Point(lambda: lambda, mode: run.mode?.rawValue, mean: mean, worst: worst, meanKL: metric2,
                                meanTokensLeft: last.reduce(0, +) / Double(max(last.count, 1)),
                                predictedSpeedup: ratio(.runtime(rates)),
                                predictedFLOPsSpeedup: Double(fullFLOPs) / Double(max(keptFLOPs, 1)),
                                baked: lambda != nil && lambda == model.elimination?.defaultLambda && run.mode == model.elimination?.mode)
    }


    /// KL(softmax(p) ‖ softmax(q)) in nats.
    static func kl(_ p: [Float], _ q: [Float]) -> Double {
        func logSoftmax(_ x: [Float]) -> [Double] {
            let m = Double(x.max() ?? 0)
            let logSum = log(x.reduce(0.0) { $0 + exp(Double($1) - m) }) + m
            return x.map { Double($0) - logSum }
        }
        let lp = logSoftmax(p), lq = logSoftmax(q)
        return zip(lp, lq).reduce(0) { $0 + exp($1.0) * ($1.0 - $1.1) }
    }
}

/// What `pare eval` measured, per λ (`lambda` absent = no elimination).
public struct EvalReport: Codable, Sendable, CommandOutput {
    public struct Point: Codable, Sendable {
        public var lambda: Double?
        /// `drop` or `merge`; absent for the full model.
        public var mode: String?
        /// Encoders: mean cosine; causal LMs: share of samples whose greedy next token agrees.
        public var mean: Double
        /// Encoders: the lowest cosine; causal LMs: the largest KL divergence.
        public var worst: Double
        /// Causal LMs: mean KL divergence of the next-token distributions (nats).
        public var meanKL: Double?
        /// Tokens per sample leaving the last layer, on average.
        public var meanTokensLeft: Double
        /// The whole model's runtime cost without elimination / at this λ over these samples,
        /// priced on the eval's machine profile (what `pare bench` would measure between the two).
        public var predictedSpeedup: Double
        /// Block FLOPs full / eliminated over these samples (Eq. 4').
        public var predictedFLOPsSpeedup: Double
        /// Whether this λ and mode are the artifact's own (what it runs at by default).
        public var baked: Bool
    }

    /// The model without elimination against the reference.
    public struct Comparison: Codable, Sendable {
        /// Encoders: max and mean |Δ| of the last hidden states over every token.
        public var hiddenMaxAbs: Double?
        public var hiddenMeanAbs: Double?
        /// Causal LMs: perplexity of the held-out text under each.
        public var perplexity: Double?
        public var referencePerplexity: Double?
        /// The λ the model's latency was measured at (its baked one); nil = the full model.
        public var lambda: Double?
        /// Median wall time of one forward pass over the evaluation batch, each model as deployed.
        public var milliseconds: Double = 0
        public var referenceMilliseconds: Double = 0
        /// Median of the per-run ratios reference time / model time (runs interleaved).
        public var measuredSpeedup: Double = 1
        /// Runtime cost of the reference / of the model on this batch at the same λ
        /// (`CostModel.Pricing.reference`): the report's headline figure for these texts.
        public var predictedSpeedup: Double = 1
        /// The machine profile `predictedSpeedup` is priced with (`MachineProfile.Summary.line`).
        public var pricedFor: String = KernelRates.referenceMachine.line
        /// The same in FLOPs (a sparse kernel's count).
        public var predictedFLOPsSpeedup: Double = 1
    }

    public var model: String
    public var reference: String
    public var data: String
    public var samples: Int
    public var meanTokens: Double
    public var metric: String
    public var comparison: Comparison
    public var points: [Point]

    public func text() -> String {
        var out = ["\(model) against \(reference): \(metric) on \(samples) held-out samples from \(data) "
            + "(\(Format.fixed(meanTokens, 1)) tokens on average)", ""]
        let causal = points.first?.meanKL != nil
        let c = comparison
        if let max = c.hiddenMaxAbs, let mean = c.hiddenMeanAbs {
            out.append("hidden states  max |Δ| \(Format.fixed(max, 5)), mean |Δ| \(Format.fixed(mean, 6))")
        }
        if let p = c.perplexity, let q = c.referencePerplexity {
            out.append("perplexity     \(Format.fixed(p, 3)) (reference \(Format.fixed(q, 3)))")
        }
        let at = c.lambda.map { "at the baked λ = \(Format.fixed($0, 4))" } ?? "full model"
        out.append("latency        \(Format.fixed(c.milliseconds, 1)) ms \(at) (reference \(Format.fixed(c.referenceMilliseconds, 1)) ms)")
        out.append("speedup        measured \(Format.fixed(c.measuredSpeedup, 2))×, predicted \(Format.fixed(c.predictedSpeedup, 2))× "
            + "on Pare's runtime (measured/predicted \(Format.fixed(c.measuredSpeedup / max(c.predictedSpeedup, 1e-9), 2)); "
            + "\(Format.fixed(c.predictedFLOPsSpeedup, 2))× in FLOPs)")
        out.append("priced for     \(c.pricedFor)")
        out.append("")
        out.append("λ          mode   " + (causal ? "agree     worst KL   mean KL" : "mean cos   min cos") + "   tokens left   predicted: runtime   FLOPs")
        for p in points {
            var line = (p.lambda.map { Format.fixed($0, 4) } ?? "none").padding(11) + (p.mode ?? "–").padding(7)
            line += Format.fixed(p.mean, causal ? 3 : 5).padding(10) + Format.fixed(p.worst, causal ? 4 : 5).padding(11)
            if let kl = p.meanKL { line += Format.fixed(kl, 4).padding(10) }
            line += Format.fixed(p.meanTokensLeft, 1).padding(14) + (Format.fixed(p.predictedSpeedup, 2) + "×").padding(20)
                + Format.fixed(p.predictedFLOPsSpeedup, 2) + "×"
            out.append(line + (p.baked ? "   ← baked λ" : ""))
        }
        return out.joined(separator: "\n") + "\n"
    }
}
