#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Tensor {
    /// An owned f32 tensor.
    public init(_ values: [Float], shape: Shape) {
        precondition(values.count == shape.count, "\(values.count) values for shape \(shape)")
        let bytes = values.withUnsafeBytes { [UInt8]($0) }
        self.init(dtype: .f32, shape: shape, bytes: bytes)
    }

    /// An owned tensor of `dtype` (f32, f16 or bf16) holding `values` rounded to nearest even.
    public init(_ values: [Float], shape: Shape, dtype: DType) {
        switch dtype {
        case .f32:
            self.init(values, shape: shape)
        case .f16:
            let half = values.map { Float16($0).bitPattern }
            self.init(dtype: .f16, shape: shape, bytes: half.withUnsafeBytes { [UInt8]($0) })
        case .bf16:
            let bits = values.map(BFloat16.fromFloat)
            self.init(dtype: .bf16, shape: shape, bytes: bits.withUnsafeBytes { [UInt8]($0) })
        default:
            preconditionFailure("Tensor(floats:dtype:) stores floats only, not \(dtype)")
        }
    }

    /// Every element widened or narrowed to Float (integers exactly up to 2²⁴; f64 rounded).
    public func floats() -> [Float] {
        withUnsafeBytes { raw in
            let n = elementCount
            return [Float](unsafeUninitializedCapacity: n) { out, initialized in
                switch dtype {
                case .f32:
                    if n > 0 { memcpy(out.baseAddress!, raw.baseAddress!, n * 4) }
                case .f16:
                    for i in 0..<n { out[i] = Float(Float16(bitPattern: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) }
                case .bf16:
                    for i in 0..<n { out[i] = BFloat16.toFloat(raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) }
                case .f64:
                    for i in 0..<n { out[i] = Float(raw.loadUnaligned(fromByteOffset: 8 * i, as: Double.self)) }
                case .i64:
                    for i in 0..<n { out[i] = Float(raw.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self)) }
                case .i32:
                    for i in 0..<n { out[i] = Float(raw.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self)) }
                case .i16:
                    for i in 0..<n { out[i] = Float(raw.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self)) }
                case .i8:
                    for i in 0..<n { out[i] = Float(raw.load(fromByteOffset: i, as: Int8.self)) }
                case .u8, .bool:
                    for i in 0..<n { out[i] = Float(raw.load(fromByteOffset: i, as: UInt8.self)) }
                }
                initialized = n
            }
        }
    }

    /// Every element of an integer or bool tensor as Int64; nil for floating-point tensors.
    public func integers() -> [Int64]? {
        guard !dtype.isFloatingPoint else { return nil }
        return withUnsafeBytes { raw in
            (0..<elementCount).map { i -> Int64 in
                switch dtype {
                case .i64: raw.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self)
                case .i32: Int64(raw.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self))
                case .i16: Int64(raw.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self))
                case .i8: Int64(raw.load(fromByteOffset: i, as: Int8.self))
                default: Int64(raw.load(fromByteOffset: i, as: UInt8.self))
                }
            }
        }
    }

    /// The same values stored as `target` (f32, f16 or bf16); an owned copy, even when unchanged.
    public func converted(to target: DType) -> Tensor {
        Tensor(floats(), shape: shape, dtype: target)
    }

    /// The same bytes viewed with another shape of equal element count.
    public func reshaped(_ newShape: Shape) -> Tensor {
        precondition(newShape.count == shape.count, "cannot reshape \(shape) to \(newShape)")
        return Tensor(dtype: dtype, shape: newShape, storage: storage)
    }
}
