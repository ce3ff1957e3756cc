import TensorCore

/// Element arrays of IR tensors in the layout ONNX's MatMul wants: Pare stores W [out, in],
/// `MatMul(x, B)` takes B [in, out], so every weight is transposed once at export.
enum WeightLayout {
    /// The tensor's elements as f32 (f16 and bf16 widened exactly).
    static func floats(_ t: Tensor) -> [Float] { t.floats() }

    /// The elements of an i8 tensor.
    static func int8s(_ t: Tensor) -> [Int8] {
        precondition(t.dtype == .i8, "int8s(_:) of \(t)")
        return t.withUnsafeBytes { Array($0.bindMemory(to: Int8.self)) }
    }

    /// Bᵀ [cols, rows] of a row-major B [rows, cols].
    static func transposed<E>(_ b: [E], rows: Int, cols: Int) -> [E] {
        precondition(b.count == rows * cols)
        guard let first = b.first else { return [] }
        var out = [E](repeating: first, count: b.count)
        for r in 0..<rows {
            for c in 0..<cols { out[c * rows + r] = b[r * cols + c] }
        }
        return out
    }
}
