#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Tensor {
    /// Rows `range` of a matrix [r, c] → [range.count, c]. Zero-copy for mapped storage.
    public func rows(_ range: Range<Int>) -> Tensor {
        precondition(shape.rank == 2 && range.lowerBound >= 0 && range.upperBound <= shape[0],
                     "rows \(range) of \(self)")
        let rowBytes = shape[1] * dtype.size
        let bytes = (range.lowerBound * rowBytes)..<(range.upperBound * rowBytes)
        let newShape: Shape = [range.count, shape[1]]
        switch storage {
        case let .mapped(file, region):
            return Tensor(dtype: dtype, shape: newShape,
                          storage: .mapped(file, (region.lowerBound + bytes.lowerBound)..<(region.lowerBound + bytes.upperBound)))
        case let .owned(all):
            return Tensor(dtype: dtype, shape: newShape, bytes: Array(all[bytes]))
        }
    }

    /// Elements `range` of a vector [n] → [range.count]. Zero-copy for mapped storage.
    public func elements(_ range: Range<Int>) -> Tensor {
        precondition(shape.rank == 1, "elements(_:) of \(self)")
        return reshaped([shape[0], 1]).rows(range).reshaped([range.count])
    }

    /// The transpose of a matrix [r, c] → [c, r], as an owned tensor of the same dtype.
    public func transposed() -> Tensor {
        precondition(shape.rank == 2, "transposed() of \(self)")
        let r = shape[0], c = shape[1], size = dtype.size
        var out = [UInt8](repeating: 0, count: byteCount)
        withUnsafeBytes { src in
            out.withUnsafeMutableBytes { dst in
                guard let s = src.baseAddress, let d = dst.baseAddress else { return }
                // Blocked so both sides stay in cache for large matrices.
                let tile = 32
                for i0 in stride(from: 0, to: r, by: tile) {
                    for j0 in stride(from: 0, to: c, by: tile) {
                        for i in i0..<min(i0 + tile, r) {
                            for j in j0..<min(j0 + tile, c) {
                                memcpy(d + (j * r + i) * size, s + (i * c + j) * size, size)
                            }
                        }
                    }
                }
            }
        }
        return Tensor(dtype: dtype, shape: [c, r], bytes: out)
    }
}
