/// Row softmax for attention scores S [rows, columns], in place:
/// P[i, j] = exp(S[i, j] − max_k S[i, k]) / Σ_k exp(S[i, k] − max_k S[i, k]) over the allowed keys.
/// Keys j ≥ `visible(i)` get probability exactly 0 (a causal mask is `visible(i) = i + 1`, so
/// `causalOffset` o gives visible(i) = min(columns, max(0, i + o + 1))).
///
/// Vectorised: max, exp (`VectorMath.exp`, relative error ≤ 2e-7), sum and scale run on 16
/// lanes. A −inf score gets probability exactly 0; a row whose allowed scores are all −inf (or
/// any NaN, or +inf) gives NaN, as PyTorch's softmax does; a row with no allowed key is all 0.
public enum Softmax {
    public static func rows(_ s: UnsafeMutablePointer<Float>, rows: Int, columns: Int, causalOffset: Int? = nil) {
        for i in 0..<rows {
            let row = s + i * columns
            let visible = causalOffset.map { max(0, min(columns, i + $0 + 1)) } ?? columns
            if visible >= VectorMath.width {
                normalize(row, count: visible)
            } else if visible > 0 {
                normalizeShort(row, count: visible)
            }
            if visible < columns { (row + visible).update(repeating: 0, count: columns - visible) }
        }
    }

    /// x[0..<n] = softmax(x[0..<n]) for n ≥ 16. A tail (n % 16 ≠ 0) is read as the
    /// overlapping last vector x[n−16..<n]: harmless for the maximum; for the sum its already
    /// counted lanes are masked off, and its exponentials are stored after the body's.
    @inline(__always)
    static func normalize(_ x: UnsafeMutablePointer<Float>, count n: Int) {
        typealias V = VectorMath.Vector
        let width = VectorMath.width
        let last = n - width, remainder = n % width

        // Pass 1: the maximum, two accumulators.
        var m0 = VectorMath.load(x + last), m1 = V(repeating: -.infinity)
        var i = 0
        while i + 2 * width <= n {
            let a = VectorMath.load(x + i), b = VectorMath.load(x + i + width)
            m0.replace(with: a, where: a .> m0)
            m1.replace(with: b, where: b .> m1)
            i += 2 * width
        }
        if i <= last {
            let a = VectorMath.load(x + i)
            m1.replace(with: a, where: a .> m1)
        }
        m0.replace(with: m1, where: m1 .> m0)
        let maximum = V(repeating: VectorMath.maximum(m0))

        // Pass 2: e = exp(x − max), stored, and summed.
        var s0 = V(repeating: 0), s1 = V(repeating: 0)
        let tail = remainder == 0 ? nil : VectorMath.exp(VectorMath.load(x + last) - maximum)
        if let tail { s1 = tail.replacing(with: 0, where: .!VectorMath.lanes(from: width - remainder)) }
        i = 0
        while i + 2 * width <= n {
            let a = VectorMath.exp(VectorMath.load(x + i) - maximum)
            let b = VectorMath.exp(VectorMath.load(x + i + width) - maximum)
            VectorMath.store(a, x + i)
            VectorMath.store(b, x + i + width)
            s0 += a
            s1 += b
            i += 2 * width
        }
        if i <= last {
            let a = VectorMath.exp(VectorMath.load(x + i) - maximum)
            VectorMath.store(a, x + i)
            s0 += a
        }
        if let tail { VectorMath.store(tail, x + last) }
        let inverse = 1 / VectorMath.sum(s0 + s1)

        // Pass 3: scale.
        VectorMath.map(x, count: n, Scale(factor: inverse))
    }

    /// x[0..<n] = softmax(x[0..<n]) for 0 < n < 16: one vector padded with −inf (exp → 0).
    @inline(__always)
    static func normalizeShort(_ x: UnsafeMutablePointer<Float>, count n: Int) {
        let v = VectorMath.load(x, count: n, padding: -.infinity)
        let e = VectorMath.exp(v - VectorMath.Vector(repeating: VectorMath.maximum(v)))
        VectorMath.store(e * (1 / VectorMath.sum(e)), x, count: n)
    }
}

/// v · factor.
private struct Scale: LaneFunction {
    let factor: Float
    @inline(__always)
    func callAsFunction(_ v: VectorMath.Vector) -> VectorMath.Vector { v * factor }
}
