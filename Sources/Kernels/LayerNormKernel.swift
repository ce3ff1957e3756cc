/// y = (x − μ) / √(σ² + ε) · γ + β over each row of x [rows, d], in place; μ and σ² are the
/// row's mean and (biased) variance, accumulated in f32 on 16 lanes.
///
/// Corrected two-pass: μ₀ = Σx/d, then with c = x − μ₀, μ = μ₀ + Σc/d and
/// σ² = (Σc² − (Σc)²/d)/d (clamped at 0). The correction removes the rounding of μ₀, so a
/// constant row gives exactly x − μ = 0 and y = β.
public enum LayerNormKernel {
    public static func apply(_ x: UnsafeMutablePointer<Float>, rows: Int, d: Int,
                             weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, epsilon: Float) {
        guard d > 0 else { return }
        if d >= VectorMath.width {
            for r in 0..<rows { normalize(x + r * d, d: d, weight: weight, bias: bias, epsilon: epsilon) }
        } else {
            for r in 0..<rows { normalizeShort(x + r * d, d: d, weight: weight, bias: bias, epsilon: epsilon) }
        }
    }

    /// One row, d ≥ 16. A tail (d % 16 ≠ 0) is the overlapping last vector x[d−16..<d] with the
    /// lanes the body already counted masked off; its outputs are computed before the body's
    /// stores and written after them.
    @inline(__always)
    static func normalize(_ x: UnsafeMutablePointer<Float>, d: Int, weight: UnsafePointer<Float>,
                          bias: UnsafePointer<Float>, epsilon: Float) {
        typealias V = VectorMath.Vector
        let width = VectorMath.width
        let last = d - width, remainder = d % width
        let fresh = VectorMath.lanes(from: width - remainder)
        let tailX = VectorMath.load(x + last)

        // Pass 1: Σx.
        var s0 = V(repeating: 0), s1 = remainder == 0 ? V(repeating: 0) : tailX.replacing(with: 0, where: .!fresh)
        var i = 0
        while i + 2 * width <= d {
            s0 += VectorMath.load(x + i)
            s1 += VectorMath.load(x + i + width)
            i += 2 * width
        }
        if i <= last { s0 += VectorMath.load(x + i) }
        let firstMean = VectorMath.sum(s0 + s1) / Float(d)

        // Pass 2: Σc and Σc² with c = x − μ₀.
        let m = V(repeating: firstMean)
        var c0 = V(repeating: 0), c1 = V(repeating: 0), q0 = V(repeating: 0), q1 = V(repeating: 0)
        if remainder != 0 {
            c1 = (tailX - m).replacing(with: 0, where: .!fresh)
            q1 = c1 * c1
        }
        i = 0
        while i + 2 * width <= d {
            let a = VectorMath.load(x + i) - m, b = VectorMath.load(x + i + width) - m
            c0 += a
            c1 += b
            q0 = q0.addingProduct(a, a)
            q1 = q1.addingProduct(b, b)
            i += 2 * width
        }
        if i <= last {
            let a = VectorMath.load(x + i) - m
            c0 += a
            q0 = q0.addingProduct(a, a)
        }
        let (mean, inverse) = moments(firstMean: firstMean, shift: VectorMath.sum(c0 + c1),
                                      squares: VectorMath.sum(q0 + q1), d: d, epsilon: epsilon)

        // Pass 3: y = (x − μ)·(1/σ)·γ + β.
        let affine = Affine(mean: mean, inverse: inverse)
        let tailY = affine(tailX, VectorMath.load(weight + last), VectorMath.load(bias + last))
        i = 0
        while i <= last {
            VectorMath.store(affine(VectorMath.load(x + i), VectorMath.load(weight + i), VectorMath.load(bias + i)), x + i)
            i += width
        }
        if remainder != 0 { VectorMath.store(tailY, x + last) }
    }

    /// One row, 0 < d < 16: one vector, padded with μ₀ so that c = 0 in the padding.
    @inline(__always)
    static func normalizeShort(_ x: UnsafeMutablePointer<Float>, d: Int, weight: UnsafePointer<Float>,
                               bias: UnsafePointer<Float>, epsilon: Float) {
        let v = VectorMath.load(x, count: d, padding: 0)
        let firstMean = VectorMath.sum(v) / Float(d)
        let c = VectorMath.load(x, count: d, padding: firstMean) - VectorMath.Vector(repeating: firstMean)
        let (mean, inverse) = moments(firstMean: firstMean, shift: VectorMath.sum(c), squares: VectorMath.sum(c * c),
                                      d: d, epsilon: epsilon)
        let y = Affine(mean: mean, inverse: inverse)(v, VectorMath.load(weight, count: d, padding: 0),
                                                       VectorMath.load(bias, count: d, padding: 0))
        VectorMath.store(y, x, count: d)
    }

    /// μ = μ₀ + Σc/d and 1/√(σ² + ε) with σ² = max(0, (Σc² − (Σc)²/d)/d).
    @inline(__always)
    static func moments(firstMean: Float, shift: Float, squares: Float, d: Int, epsilon: Float)
        -> (mean: Float, inverse: Float) {
        let n = Float(d)
        let variance = max(0, (squares - shift * shift / n) / n)
        return (firstMean + shift / n, 1 / (variance + epsilon).squareRoot())
    }
}

/// (x − μ)·(1/σ)·γ + β, the last step one fused multiply-add.
private struct Affine {
    let center: VectorMath.Vector
    let scale: VectorMath.Vector

    init(mean: Float, inverse: Float) {
        center = VectorMath.Vector(repeating: mean)
        scale = VectorMath.Vector(repeating: inverse)
    }

    @inline(__always)
    func callAsFunction(_ x: VectorMath.Vector, _ weight: VectorMath.Vector, _ bias: VectorMath.Vector) -> VectorMath.Vector {
        bias.addingProduct((x - center) * scale, weight)
    }
}
