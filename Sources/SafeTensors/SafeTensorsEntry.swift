import TensorCore

/// One tensor of a safetensors header.
///
/// `dataRange` is in ABSOLUTE file offsets: `8 + N + data_offsets`, where N is the header length.
/// After validation, `dataRange.count == shape.count × dtype.size` and the range lies inside the
/// file.
public struct SafeTensorsEntry: Sendable, Equatable {
    public let name: String
    public let dtype: DType
    public let shape: Shape
    public let dataRange: Range<Int>

    public init(name: String, dtype: DType, shape: Shape, dataRange: Range<Int>) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.dataRange = dataRange
    }
}
