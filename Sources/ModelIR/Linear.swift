/// y = x·Wᵀ + b for x [n, in], W [out, in], b [out]. `inFeatures` and `outFeatures` never change
/// whatever the form, so neighbours of a linear are unaffected by how it is stored.
public struct Linear<T: TensorDescribing>: Sendable {
    public var inFeatures: Int
    public var outFeatures: Int
    public var weight: WeightForm<T>
    /// b [out], or nil.
    public var bias: T?
    /// How the runtime treats the input x of an int8 weight: f32 (`none`, weight-only: the
    /// weight is widened) or quantized to 8 bits at each call (`dynamic`, an int8 GEMM). Only the
    /// int8 forms may have `dynamic`; the verifier checks it.
    public var activations: ActivationQuantization

    public init(inFeatures: Int, outFeatures: Int, weight: WeightForm<T>, bias: T?, activations: ActivationQuantization = .none) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.weight = weight
        self.bias = bias
        self.activations = activations
    }

    public func map<U>(_ f: (T) throws -> U) rethrows -> Linear<U> {
        Linear<U>(inFeatures: inFeatures, outFeatures: outFeatures,
                  weight: try weight.map(f), bias: try bias.map(f), activations: activations)
    }
}

/// What happens to a linear's input activations at run time (the "A" of W8A8 / W8A16).
public enum ActivationQuantization: String, Codable, Sendable, Equatable, CaseIterable {
    /// x stays f32; an int8 weight is widened to f32 (weight-only, W8A16-style).
    case none
    /// Each call quantizes x per token row to u8 with a scale and zero point from that row's own
    /// range, then runs an int8 × int8 GEMM with int32 accumulation (ONNX Runtime's and
    /// llm-compressor's dynamic W8A8, per token).
    case dynamic
}

/// A norm over the last dimension, of the model's `NormKind`: y = (x − mean) / √(var + ε) ·
/// weight + bias (LayerNorm), or y = x / √(mean(x²) + ε) · weight (RMSNorm, no bias); weight,
/// bias [d].
public struct LayerNorm<T: TensorDescribing>: Sendable {
    public var weight: T
    /// nil for RMSNorm.
    public var bias: T?

    public init(weight: T, bias: T?) {
        self.weight = weight
        self.bias = bias
    }

    public func map<U>(_ f: (T) throws -> U) rethrows -> LayerNorm<U> {
        LayerNorm<U>(weight: try f(weight), bias: try bias.map(f))
    }
}

extension Linear: Equatable where T: Equatable {}
extension Linear: Codable where T: Codable {
    enum CodingKeys: String, CodingKey { case inFeatures, outFeatures, weight, bias, activations }

    /// `activations` is absent from artifacts written before it existed: they ran int8 weights
    /// with f32 activations, so it reads as `none`.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(inFeatures: try c.decode(Int.self, forKey: .inFeatures), outFeatures: try c.decode(Int.self, forKey: .outFeatures),
                  weight: try c.decode(WeightForm<T>.self, forKey: .weight), bias: try c.decodeIfPresent(T.self, forKey: .bias),
                  activations: try c.decodeIfPresent(ActivationQuantization.self, forKey: .activations) ?? .none)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(inFeatures, forKey: .inFeatures)
        try c.encode(outFeatures, forKey: .outFeatures)
        try c.encode(weight, forKey: .weight)
        try c.encodeIfPresent(bias, forKey: .bias)
        try c.encode(activations, forKey: .activations)
    }
}
extension LayerNorm: Equatable where T: Equatable {}
extension LayerNorm: Codable where T: Codable {}
