/// A dense row-major tensor: dtype, shape and little-endian element bytes.
/// A value type; copies share immutable storage.
public struct Tensor: Sendable, CustomStringConvertible {
    public let dtype: DType
    public let shape: Shape
    public let storage: TensorStorage

    /// Wraps storage whose size must be `shape.count · dtype.size` bytes.
    public init(dtype: DType, shape: Shape, storage: TensorStorage) {
        precondition(storage.byteCount == shape.count * dtype.size,
                     "tensor \(dtype)\(shape) needs \(shape.count * dtype.size) bytes, got \(storage.byteCount)")
        self.dtype = dtype
        self.shape = shape
        self.storage = storage
    }

    public init(dtype: DType, shape: Shape, bytes: [UInt8]) {
        self.init(dtype: dtype, shape: shape, storage: .owned(bytes))
    }

    public var byteCount: Int { storage.byteCount }
    public var elementCount: Int { shape.count }

    public var isMapped: Bool {
        if case .mapped = storage { return true }
        return false
    }

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try storage.withUnsafeBytes(body)
    }

    /// `f32[384, 1536]`
    public var description: String { "\(dtype.rawValue)\(shape)" }
}

extension Tensor: Equatable {
    /// Same dtype, shape and bytes (bitwise: +0 ≠ −0 and NaN == NaN of the same payload).
    public static func == (a: Tensor, b: Tensor) -> Bool {
        guard a.dtype == b.dtype, a.shape == b.shape else { return false }
        return a.withUnsafeBytes { x in b.withUnsafeBytes { y in x.elementsEqual(y) } }
    }
}
