import TensorCore

/// Hand-built safetensors bytes for malformed-file tests: `[N: UInt64 LE][header][data]`.
/// `N` is the header's UTF-8 length unless `declaredLength` overrides it; no padding is added.
func rawSafeTensors(_ header: String, data: [UInt8] = [], declaredLength: UInt64? = nil) -> [UInt8] {
    rawSafeTensors(bytes: Array(header.utf8), data: data, declaredLength: declaredLength)
}

func rawSafeTensors(bytes header: [UInt8], data: [UInt8] = [], declaredLength: UInt64? = nil) -> [UInt8] {
    let n = declaredLength ?? UInt64(header.count)
    return withUnsafeBytes(of: n.littleEndian) { Array($0) } + header + data
}

/// `{"dtype":"F32","shape":[2],"data_offsets":[0,8]}`
func entryJSON(_ dtype: String, _ shape: [Int], _ begin: Int, _ end: Int) -> String {
    let dims = shape.map(String.init).joined(separator: ",")
    return #"{"dtype":"\#(dtype)","shape":[\#(dims)],"data_offsets":[\#(begin),\#(end)]}"#
}

/// A header object from `"name": entry` pairs, in the given order.
func headerJSON(_ members: [(String, String)]) -> String {
    "{" + members.map { #""\#($0.0)":\#($0.1)"# }.joined(separator: ",") + "}"
}

/// Bytes `0, 1, 2, …` (mod 256) with a per-tensor `seed` offset; distinct contents per tensor.
func patternBytes(_ count: Int, seed: Int = 0) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ seed &* 7 &+ 1) }
}

/// A tensor of `dtype` and `shape` filled with `patternBytes`.
func patternTensor(_ dtype: DType, _ shape: Shape, seed: Int = 0) -> Tensor {
    Tensor(dtype: dtype, shape: shape, bytes: patternBytes(shape.count * dtype.size, seed: seed))
}

/// The bytes of `tensor`, copied.
func bytes(of tensor: Tensor) -> [UInt8] { tensor.withUnsafeBytes { Array($0) } }
