#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The MLP nonlinearities, in place over `count` values.
public enum Activations {
    /// GELU, exact form: x · Φ(x) = 0.5 · x · (1 + erf(x / √2)).
    public static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count {
            let v = x[i]
            x[i] = 0.5 * v * (1 + erff(v * 0.70710678118654752))
        }
    }

    /// GELU, tanh form (GPT-2 `gelu_new`): 0.5 · x · (1 + tanh(√(2/π) · (x + 0.044715 · x³))).
    public static func geluTanh(_ x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count {
            let v = x[i]
            x[i] = 0.5 * v * (1 + tanhf(0.7978845608028654 * (v + 0.044715 * v * v * v)))
        }
    }

    /// max(0, x).
    public static func relu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { x[i] = max(0, x[i]) }
    }
}
