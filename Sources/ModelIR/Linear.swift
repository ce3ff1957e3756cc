/// y = x·Wᵀ + b for x [n, in], W [out, in], b [out]. `inFeatures` and `outFeatures` never change
/// whatever the form, so neighbours of a linear are unaffected by how it is stored.
public struct Linear<T: TensorDescribing>: Sendable {
    public var inFeatures: Int
    public var outFeatures: Int
    public var weight: WeightForm<T>
    /// b [out], or nil.
    public var bias: T?

    public init(inFeatures: Int, outFeatures: Int, weight: WeightForm<T>, bias: T?) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.weight = weight
        self.bias = bias
    }

    public func map<U>(_ f: (T) throws -> U) rethrows -> Linear<U> {
        Linear<U>(inFeatures: inFeatures, outFeatures: outFeatures,
                  weight: try weight.map(f), bias: try bias.map(f))
    }
}

/// y = (x − mean) / √(var + ε) · weight + bias over the last dimension; weight, bias [d].
public struct LayerNorm<T: TensorDescribing>: Sendable {
    public var weight: T
    public var bias: T

    public init(weight: T, bias: T) {
        self.weight = weight
        self.bias = bias
    }

    public func map<U>(_ f: (T) throws -> U) rethrows -> LayerNorm<U> {
        LayerNorm<U>(weight: try f(weight), bias: try f(bias))
    }
}

extension Linear: Equatable where T: Equatable {}
extension Linear: Codable where T: Codable {}
extension LayerNorm: Equatable where T: Equatable {}
extension LayerNorm: Codable where T: Codable {}
