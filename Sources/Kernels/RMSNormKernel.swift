/// RMSNorm (Zhang & Sennrich 2019, Llama's norm): y = x / √(mean(x²) + ε) · γ over each row
/// of x [rows, d], in place; mean(x²) accumulated in f32 as transformers' `LlamaRMSNorm` does.
public enum RMSNormKernel {
    public static func apply(_ x: UnsafeMutablePointer<Float>, rows: Int, d: Int, weight: UnsafePointer<Float>, epsilon: Float) {
        guard d > 0 else { return }
        for r in 0..<rows {
            let row = x + r * d
            var squares: Float = 0
            for i in 0..<d { squares += row[i] * row[i] }
            let inverse = 1 / (squares / Float(d) + epsilon).squareRoot()
            for i in 0..<d { row[i] = weight[i] * (row[i] * inverse) }
        }
    }
}
