import Calibration
import Foundation
import ModelIR
import Report
import Runtime
import Tokenizers
import TensorCore

/// `pare calibrate`: measures ACC on calibration text and prints the elimination profile it
/// gives, without compiling anything.
public enum Calibrate {
    public struct Options: Sendable {
        public var calibration: CalibrationOptions
        public var fit: CurveFit.Kind
        public var aggregate: ACCMeasurement.Aggregate
        public var sequenceLength: Int

        public init(calibration: CalibrationOptions = CalibrationOptions(), fit: CurveFit.Kind = .quadratic,
                    aggregate: ACCMeasurement.Aggregate = .mean, sequenceLength: Int = 128) {
            self.calibration = calibration
            self.fit = fit
            self.aggregate = aggregate
            self.sequenceLength = sequenceLength
        }
    }

    public static func run(path: String, options: Options) throws(DriverError) -> ProfileReport {
        let source = try ModelSource.load(path)
        let tokenizer = try source.tokenizer(path: path)
        let c = source.model.config
        let set = try CalibrationInput.load(options.calibration, config: c, tokenizer: tokenizer)
        let start = ContinuousClock.now
        let measurement: ACCMeasurement
        do {
            measurement = try ACCMeasurement.measure(PreparedModel(source.model), samples: set.samples, aggregate: options.aggregate)
        } catch {
            throw .runtime(error)
        }
        let elapsed = ContinuousClock.now - start
        guard measurement.samples > 0 else {
            throw .usage("no calibration sample has a token besides the protected one (one-token samples give no ACC)",
                         "use longer calibration text")
        }
        let profile = EliminationProfile(acc: measurement.acc, fit: options.fit, protection: c.causal ? .last : .first)
        let n = options.sequenceLength
        let lambdas = [0.7, 0.8, 0.9, 1.0, 1.1, 1.2].filter { $0 < profile.identityLambda }
        return ProfileReport(
            model: source.name, calibration: .init(source: set.source, sha256: set.sha256, samples: set.samples.count,
                                                   available: set.available, tokens: measurement.tokens, truncated: set.truncated),
            seconds: elapsed.inSeconds,
            acc: measurement.acc, accStandardDeviation: measurement.standardDeviation, profile: profile,
            fitted: (1...max(1, profile.layerCount)).prefix(profile.layerCount).map { profile.fit.value(at: $0) },
            lambdaForTwofold: profile.lambda(forSpeedup: 2),
            sweep: lambdas.map { l in
                .init(lambda: l, tokensKept: profile.keptCounts(tokens: n, lambda: l),
                      speedup: CostModel.eliminationSpeedup(source.model, profile: profile, tokens: n, lambda: l))
            })
    }
}

/// What `pare calibrate` prints; `--json` follows schemas/profile.schema.json.
public struct ProfileReport: Codable, Sendable, CommandOutput {
    public struct Source: Codable, Sendable {
        public var source: String
        public var sha256: String
        public var samples: Int
        public var available: Int
        public var tokens: Int
        public var truncated: Int
    }

    public struct Point: Codable, Sendable {
        public var lambda: Double
        /// N_0…N_L for one sample of the sweep's sequence length.
        public var tokensKept: [Int]
        /// Eq. 4' over the blocks.
        public var speedup: Double
    }

    public var model: String
    public var calibration: Source
    /// Wall time of the ACC measurement (not of tokenizing).
    public var seconds: Double
    public var acc: [Double]
    public var accStandardDeviation: [Double]
    public var profile: EliminationProfile
    public var fitted: [Double]
    /// λ whose continuous (Eq. 6) speedup is 2, when reachable.
    public var lambdaForTwofold: Double?
    public var sweep: [Point]

    /// `seconds` is left out of JSON so that the same inputs give the same bytes.
    enum CodingKeys: String, CodingKey {
        case model, calibration, acc, accStandardDeviation, profile, fitted, lambdaForTwofold, sweep
    }

    public init(model: String, calibration: Source, seconds: Double, acc: [Double], accStandardDeviation: [Double],
                profile: EliminationProfile, fitted: [Double], lambdaForTwofold: Double?, sweep: [Point]) {
        self.model = model
        self.calibration = calibration
        self.seconds = seconds
        self.acc = acc
        self.accStandardDeviation = accStandardDeviation
        self.profile = profile
        self.fitted = fitted
        self.lambdaForTwofold = lambdaForTwofold
        self.sweep = sweep
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        model = try c.decode(String.self, forKey: .model)
        calibration = try c.decode(Source.self, forKey: .calibration)
        seconds = 0
        acc = try c.decode([Double].self, forKey: .acc)
        accStandardDeviation = try c.decode([Double].self, forKey: .accStandardDeviation)
        profile = try c.decode(EliminationProfile.self, forKey: .profile)
        fitted = try c.decode([Double].self, forKey: .fitted)
        lambdaForTwofold = try c.decodeIfPresent(Double.self, forKey: .lambdaForTwofold)
        sweep = try c.decode([Point].self, forKey: .sweep)
    }

    public func text() -> String {
        var out = ["\(model): ACC on \(calibration.samples) of \(calibration.available) samples from \(calibration.source) "
            + "(\(NumberFormat.grouped(calibration.tokens)) tokens, \(calibration.truncated) truncated) in \(Format.fixed(seconds, 2)) s "
            + "(\(Format.fixed(1000 * seconds / Double(max(calibration.samples, 1)), 1)) ms per sample)"]
        out.append("")
        out.append("layer      ACC      std     f(l)       EP")
        for l in acc.indices {
            out.append(String(l + 1).padding(5) + [acc[l], accStandardDeviation[l], fitted[l], profile.ep[l]]
                .map { Format.fixed($0, 4).padding(9, left: true) }.joined())
        }
        out.append("")
        out.append("fit            \(profile.fit.kind.rawValue)" + (profile.haltLayer.map { ", halts at layer \($0)" } ?? ", never rises"))
        out.append("identity λ     \(Format.fixed(profile.identityLambda, 4)) (λ at or above it eliminates nothing)")
        if let l = lambdaForTwofold { out.append("λ for 2×       \(Format.fixed(l, 4)) (Eq. 6)") }
        out.append("")
        out.append("λ        speedup   tokens kept (N_0 → N_L)")
        for p in sweep {
            out.append(Format.fixed(p.lambda, 2).padding(9) + (Format.fixed(p.speedup, 2) + "×").padding(10)
                + p.tokensKept.map(String.init).joined(separator: " → "))
        }
        return out.joined(separator: "\n") + "\n"
    }
}
