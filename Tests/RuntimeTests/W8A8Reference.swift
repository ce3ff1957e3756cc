import Kernels
import TensorCore

/// The oracle for int8 linears with dynamic activations, from the formulas rather than the
/// kernels: each row of x quantized by `TokenQuantization`'s definition (evaluated here in scalar
/// Float, one rounding per operation), integer dot products with the int8 weight summed exactly in
/// Int64 per group, then y = Σ_k s_a·s_w[o, k]·(Σ_{i∈G_k} (q_i − z)·Q[o, i]) + b in Double.
/// The runtime rounds each factor to f32 along the way, so it agrees to about 1e-6 relative.
/// The weight is the one the runtime runs (`runtimeWeight`: narrowed to 7 bits where the kernel
/// needs it), and the activation codes reach the maximum the kernel allows against it.
enum W8A8Reference {
    /// The activation code maximum the runtime uses against weight codes `values`.
    static func maximum(against values: [Int8]) -> Float {
        let w = Int8(clamping: values.reduce(0) { max($0, abs(Int($1))) })
        return Float(Int8GEMM.activationMaximum(weightMaximum: w) ?? 127)
    }

    /// (Q, s) as the runtime runs them: unchanged, or each group narrowed to codes −63…63 by
    /// Q' = roundHalfEven(Q·63/m), s' = s·m/63 (m = the group's largest |Q|) where
    /// `Int8GEMM.narrowsWeights` (written out here, not the runtime's code).
    static func runtimeWeight(values: [Int8], scales: [Float], groupSize g: Int) -> (values: [Int8], scales: [Float]) {
        guard Int8GEMM.narrowsWeights, !scales.isEmpty else { return (values, scales) }
        var (q, s) = (values, scales)
        for group in 0..<scales.count {
            let range = (group * g)..<((group + 1) * g)
            let m = q[range].map { abs(Int($0)) }.max() ?? 0
            guard m > 63 else { continue }
            for i in range { q[i] = Int8((Double(Int(values[i]) * 63) / Double(m)).rounded(.toNearestOrEven)) }
            s[group] = scales[group] * Float(m) / 63
        }
        return (q, s)
    }

    /// (codes, s, z) of one row, codes 0…`q`.
    static func quantize(_ row: ArraySlice<Float>, maximum q: Float) -> (codes: [Int64], scale: Float, zero: Int64) {
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

    /// y [rows, out] for x [rows, n], Q i8 [out, n] with scales [out, n/g] (g = `groupSize`), bias,
    /// with the weight the runtime runs (`runtimeWeight`).
    static func linear(_ x: [Float], rows: Int, values: [Int8], scales: [Float], groupSize g: Int, out: Int,
                       bias: [Float]?) -> [Double] {
        let n = x.count / max(rows, 1), groups = n / g
        let (values, scales) = runtimeWeight(values: values, scales: scales, groupSize: g)
        let maximum = maximum(against: values)
        var y = [Double](repeating: 0, count: rows * out)
        for r in 0..<rows {
            let (codes, s, z) = quantize(x[(r * n)..<((r + 1) * n)], maximum: maximum)
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
