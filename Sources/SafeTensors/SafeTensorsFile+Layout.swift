import TensorCore

/// Checks of where tensors sit in the data section (bytes `[8 + N, fileSize)` of the file).
extension SafeTensorsFile {
    /// Checks, for entries sorted by name:
    /// 1. `data_offsets.end ≤ dataByteCount` (in bounds);
    /// 2. `end − begin == shape.count × dtype.size`;
    /// then, over entries sorted by `(begin, end, name)`, that they tile `[0, dataByteCount)`:
    /// each begins exactly where the previous one ended. Beginning earlier is an overlap (named
    /// with the tensor that claimed the byte); beginning later, or the last one ending before
    /// `dataByteCount`, is a hole. Zero-size tensors (a dim of 0) take no bytes and fit anywhere
    /// on a boundary, like in the reference implementation.
    static func checkLayout(_ entries: [RawEntry], dataByteCount: Int, path: String)
        throws(SafeTensorsError) -> [RawEntry]
    {
        for e in entries {
            guard e.dataOffsets.upperBound <= dataByteCount else {
                throw .offsetsOutOfBounds(path: path, tensor: e.name, dataOffsets: e.dataOffsets,
                                          dataByteCount: dataByteCount)
            }
            guard checkedByteCount(e.dtype, e.shape) == e.dataOffsets.count else {
                throw .byteCountMismatch(path: path, tensor: e.name, dtype: e.dtype, shape: e.shape,
                                         dataOffsets: e.dataOffsets)
            }
        }
        let byOffset = entries.sorted {
            ($0.dataOffsets.lowerBound, $0.dataOffsets.upperBound, $0.name)
                < ($1.dataOffsets.lowerBound, $1.dataOffsets.upperBound, $1.name)
        }
        var end = 0
        var last: RawEntry?  // the tensor that ends at `end` (the last non-empty one)
        for e in byOffset {
            if e.dataOffsets.lowerBound < end, let last {
                throw .overlappingTensors(path: path, tensor: e.name, dataOffsets: e.dataOffsets,
                                          other: last.name, otherOffsets: last.dataOffsets)
            }
            if e.dataOffsets.lowerBound > end {
                throw .gap(path: path, unclaimed: end..<e.dataOffsets.lowerBound, after: last?.name)
            }
            if !e.dataOffsets.isEmpty {
                end = e.dataOffsets.upperBound
                last = e
            }
        }
        guard end == dataByteCount else {
            throw .gap(path: path, unclaimed: end..<dataByteCount, after: last?.name)
        }
        return entries
    }
}
