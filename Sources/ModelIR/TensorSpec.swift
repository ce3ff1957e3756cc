import TensorCore

/// What the IR needs to know about a tensor: its dtype and shape. Both `Tensor` (with
/// weights) and `TensorSpec` (without) conform, so one graph type serves `Model` and `Skeleton`.
public protocol TensorDescribing: Sendable {
    var dtype: DType { get }
    var shape: Shape { get }
}

extension TensorDescribing {
    public var elementCount: Int { shape.count }
    public var byteCount: Int { shape.count * dtype.size }
    public var spec: TensorSpec { TensorSpec(dtype: dtype, shape: shape) }
}

extension Tensor: TensorDescribing {}

/// A tensor without its bytes: the payload of a `Skeleton`.
public struct TensorSpec: TensorDescribing, Codable, Hashable, CustomStringConvertible {
    public var dtype: DType
    public var shape: Shape

    public init(dtype: DType, shape: Shape) {
        self.dtype = dtype
        self.shape = shape
    }

    /// `f32[384, 1536]`
    public var description: String { "\(dtype.rawValue)\(shape)" }
}
