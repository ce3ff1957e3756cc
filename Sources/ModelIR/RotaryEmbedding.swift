import Foundation

/// Rotary position embeddings (Su et al. 2021, RoFormer) as the Llama family applies them to
/// each head's query and key q [d_h] at position p, in halves (`rotate_half`, not interleaved):
///
///     q'[i]         = q[i]·cos(p·θ_i) − q[i + d_h/2]·sin(p·θ_i)
///     q'[i + d_h/2] = q[i + d_h/2]·cos(p·θ_i) + q[i]·sin(p·θ_i),    i < d_h/2
///
/// with θ_i = theta^(−2i/d_h), rescaled by `scaling`. q'·k' then depends on positions only
/// through their difference, so the ACC-kept tokens keep their original positions and attend
/// correctly after others were eliminated.
public struct RotaryEmbedding: Codable, Sendable, Equatable {
    /// The base of the frequencies (`rope_theta`).
    public var theta: Double
    public var scaling: RotaryScaling?

    public init(theta: Double, scaling: RotaryScaling? = nil) {
        self.theta = theta
        self.scaling = scaling
    }

    /// θ_i for i < d_h/2 [d_h/2], f32 as transformers computes them (`inv_freq`).
    public func inverseFrequencies(headDim: Int) -> [Float] {
        let base = (0..<(headDim / 2)).map { i in Float(1 / pow(theta, Double(2 * i) / Double(headDim))) }
        return scaling.map { $0.rescaled(base) } ?? base
    }

    /// cos and sin of p·θ_i for each position p in `positions`, [positions.count, d_h/2] each;
    /// the angle p·θ_i is a f32 product, as transformers forms it.
    public static func table(_ frequencies: [Float], positions: [Int]) -> (cos: [Float], sin: [Float]) {
        let half = frequencies.count
        var cos = [Float](repeating: 0, count: positions.count * half), sin = cos
        for (r, p) in positions.enumerated() {
            for i in 0..<half {
                let angle = Float(p) * frequencies[i]
                cos[r * half + i] = Foundation.cos(angle)
                sin[r * half + i] = Foundation.sin(angle)
            }
        }
        return (cos, sin)
    }
}

/// `rope_scaling` types whose frequencies do not depend on the sequence length:
/// - `linear`: θ_i / factor (positions interpolated);
/// - `llama3`: Llama 3.1's band-wise rescale. With wavelength λ_i = 2π/θ_i, L = the original
///   context, λ_low = L / lowFrequencyFactor and λ_high = L / highFrequencyFactor: θ_i / factor
///   when λ_i > λ_low, θ_i when λ_i < λ_high, and in between (1 − s)·θ_i/factor + s·θ_i with
///   s = (L/λ_i − lowFrequencyFactor) / (highFrequencyFactor − lowFrequencyFactor).
public struct RotaryScaling: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        case linear
        case llama3
    }

    public var kind: Kind
    public var factor: Double
    public var lowFrequencyFactor: Double?
    public var highFrequencyFactor: Double?
    public var originalMaxPositions: Int?

    public init(kind: Kind, factor: Double, lowFrequencyFactor: Double? = nil, highFrequencyFactor: Double? = nil,
                originalMaxPositions: Int? = nil) {
        self.kind = kind
        self.factor = factor
        self.lowFrequencyFactor = lowFrequencyFactor
        self.highFrequencyFactor = highFrequencyFactor
        self.originalMaxPositions = originalMaxPositions
    }

    /// θ rescaled by this scaling, in f32 as transformers computes it.
    func rescaled(_ θ: [Float]) -> [Float] {
        let factor = Float(self.factor)
        switch kind {
        case .linear:
            return θ.map { $0 / factor }
        case .llama3:
            let low = Float(lowFrequencyFactor ?? 1), high = Float(highFrequencyFactor ?? 4)
            let context = Float(originalMaxPositions ?? 8192)
            let lowWavelength = context / low, highWavelength = context / high
            return θ.map { f in
                let wavelength = 2 * Float.pi / f
                if wavelength < highWavelength { return f }
                if wavelength > lowWavelength { return f / factor }
                let s = (context / wavelength - low) / (high - low)
                return (1 - s) * f / factor + s * f
            }
        }
    }
}
