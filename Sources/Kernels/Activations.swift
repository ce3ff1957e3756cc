/// The MLP nonlinearities, in place over `count` values, 16 lanes at a time (the tail as one
/// padded vector, so every element sees the same arithmetic).
public enum Activations {
    /// GELU, exact form: x · Φ(x) = 0.5 · x · (1 + erf(x / √2)), erf from `VectorMath.erf`
    /// (absolute error ≤ 1e-6).
    public static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        VectorMath.map(x, count: count, ExactGELU())
    }

    /// GELU, tanh form (GPT-2 `gelu_new`): 0.5 · x · (1 + tanh(√(2/π) · (x + 0.044715 · x³))).
    /// Evaluated as x · σ(2u) = x / (1 + e^(−2u)) with u the tanh argument (the same function:
    /// (1 + tanh u)/2 = σ(2u)), which keeps its relative accuracy for negative x where 1 + tanh u
    /// cancels.
    public static func geluTanh(_ x: UnsafeMutablePointer<Float>, count: Int) {
        VectorMath.map(x, count: count, TanhGELU())
    }

    /// max(0, x); NaN stays NaN.
    public static func relu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        VectorMath.map(x, count: count, ReLU())
    }

    /// SiLU (Swish): x · σ(x) = x / (1 + e^(−x)).
    public static func silu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        VectorMath.map(x, count: count, SiLU())
    }
}

/// x / (1 + e^(−x)).
struct SiLU: LaneFunction {
    @inline(__always)
    func callAsFunction(_ v: VectorMath.Vector) -> VectorMath.Vector { v / (1 + VectorMath.exp(-v)) }
}

/// h + h·erf(x/√2) with h = x/2, one fused op.
struct ExactGELU: LaneFunction {
    @inline(__always)
    func callAsFunction(_ v: VectorMath.Vector) -> VectorMath.Vector {
        let half = 0.5 * v
        return half.addingProduct(half, VectorMath.erf(v * 0.707_106_781_186_547_52))
    }
}

/// x / (1 + e^(−2u)), −2u = x · (−2√(2/π) − 2√(2/π)·0.044715 · x²).
struct TanhGELU: LaneFunction {
    @inline(__always)
    func callAsFunction(_ v: VectorMath.Vector) -> VectorMath.Vector {
        let linear: Float = -2 * 0.797_884_560_802_865_4
        let cubic: Float = -2 * 0.797_884_560_802_865_4 * 0.044_715
        let minusTwoU = v * VectorMath.Vector(repeating: linear).addingProduct(v * v, cubic)
        return v / (1 + VectorMath.exp(minusTwoU))
    }
}

struct ReLU: LaneFunction {
    @inline(__always)
    func callAsFunction(_ v: VectorMath.Vector) -> VectorMath.Vector { v.replacing(with: 0, where: v .< 0) }
}
