/// A tensor as bytes, for what ranks exchange (`--broadcast-weights`: rank 0 sends each block's
/// weights): its dtype's name, its rank and dims, then its element bytes as they lie in memory.
extension ByteWriter {
    public mutating func append(_ tensor: Tensor) {
        append(tensor.dtype.rawValue)
        append(tensor.shape.rank)
        for d in tensor.shape.dims { append(d) }
        tensor.withUnsafeBytes { append(bytes: $0) }
    }
}

extension ByteReader {
    /// What `ByteWriter.append(_: Tensor)` wrote; throws `Truncated` when the bytes end early or
    /// disagree with themselves (an unknown dtype, a negative dim, fewer or more bytes than
    /// dims · dtype size).
    public mutating func tensor() throws(Truncated) -> Tensor {
        guard let dtype = DType(rawValue: try string()) else { throw Truncated() }
        let rank = try int()
        guard (0...16).contains(rank) else { throw Truncated() }
        var dims: [Int] = [], count = 1
        for _ in 0..<rank {
            let d = try int()
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            guard d >= 0, !overflow else { throw Truncated() }
            dims.append(d)
            count = product
        }
        let bytes = try byteArray()
        guard bytes.count / dtype.size == count, bytes.count % dtype.size == 0 else { throw Truncated() }
        return Tensor(dtype: dtype, shape: Shape(dims), bytes: bytes)
    }
}
