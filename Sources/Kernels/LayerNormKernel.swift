/// y = (x − μ) / √(σ² + ε) · γ + β over each row of x [rows, d], in place; μ and σ² are the
/// row's mean and (biased) variance, accumulated in f32.
public enum LayerNormKernel {
    public static func apply(_ x: UnsafeMutablePointer<Float>, rows: Int, d: Int,
                             weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, epsilon: Float) {
        for r in 0..<rows {
            let row = x + r * d
            var sum: Float = 0
            for i in 0..<d { sum += row[i] }
            let mean = sum / Float(d)
            var squares: Float = 0
            for i in 0..<d {
                let c = row[i] - mean
                squares += c * c
            }
            let inverse = 1 / (squares / Float(d) + epsilon).squareRoot()
            for i in 0..<d { row[i] = (row[i] - mean) * inverse * weight[i] + bias[i] }
        }
    }
}
