import Kernels
import TensorCore

/// The oracle for int8 linears with dynamic activations, from the formulas rather than the
/// kernels: each row of x quantized by `TokenQuantization`'s definition (evaluated here in scalar
/// Float, one rounding per operation), integer dot products with the int8 weight summed exactly in
/// Int64 per group, then y = Σ_k s_a·s_w[o, k]·(Σ_{i∈G_k} (q_i − z)·Q[o, i]) + b in Double.
/// The runtime rounds each factor to f32 along the way, so it agrees to about 1e-6 relative.
enum W8A8Reference {
    static var maximum: Float { Float(Int8GEMM.capability.activationMaximum ?? 127) }

    /// (codes, s, z) of one row.
    static func quantize(_ row: ArraySlice<Float>) -> (codes: [Int64], scale: Float, zero: Int64) {
        let q = maximum
        let lo = min(0, row.filter { !$0.isNaN }.min() ?? 0), hi = max(0, row.filter { !$0.isNaN }.max() ?? 0)
        var s: Float = 1, z: Float = 0
        if hi - lo > 0, (hi - lo).isFinite {
            s = max((hi - lo) / q, .leastNormalMagnitude)
            z = min(max((-lo / s).rounded(.toNearestOrEven), 0), q)
        }
        let inverse = 1 / s
        let codes = row.map { x -> Int64 in
            var v = x * inverse
            v = v + z
            return Int64((v.isNaN ? 0 : min(max(v, 0), q)).rounded(.toNearestOrEven))
        }
        return (codes, s, Int64(z))
    }

    /// y [rows, out] for x [rows, n], Q i8 [out, n] with scales [out, n/g] (g = `groupSize`), bias.
    static func linear(_ x: [Float], rows: Int, values: [Int8], scales: [Float], groupSize g: Int, out: Int,
                       bias: [Float]?) -> [Double] {
        let n = x.count / max(rows, 1), groups = n / g
        var y = [Double](repeating: 0, count: rows * out)
        for r in 0..<rows {
            let (codes, s, z) = quantize(x[(r * n)..<((r + 1) * n)])
            for o in 0..<out {
                var sum = Double(bias?[o] ?? 0)
                for k in 0..<groups {
                    var dot: Int64 = 0
                    for i in (k * g)..<((k + 1) * g) { dot += (codes[i] - z) * Int64(values[o * n + i]) }
                    sum += Double(s) * Double(scales[o * groups + k]) * Double(dot)
                }
                y[r * out + o] = sum
            }
        }
        return y
    }
}
