import ModelIR
import TensorCore

/// Dense W [out, in] from any `WeightForm`, for formats that only know dense weights.
package enum Densify {
    /// dense → W as is; sparse → `values` as is (zeros already in place); low-rank → u·v in f32,
    /// each element a Double-accumulated dot product, u [out, r], v [r, in];
    /// int8 and sparse int8 → W[o, i] = scales[o, i / g] · values[o, i] in f32 (one Float
    /// multiply; zeros stay zero); low-rank int8 → u_deq·v_deq, each factor dequantized so.
    package static func weight(_ form: WeightForm<Tensor>) -> Tensor {
        switch form {
        case let .dense(w): return w
        case let .sparse(values, _, _, _): return values
        case let .lowRank(u, v): return product(u, v)
        case let .int8(values, scales), let .sparseInt8(values, scales, _, _, _): return dequantized(values, scales)
        case let .lowRankInt8(u, uScales, v, vScales): return product(dequantized(u, uScales), dequantized(v, vScales))
        }
    }

    /// u [m, r] · v [r, n] → f32 [m, n].
    static func product(_ u: Tensor, _ v: Tensor) -> Tensor {
        let m = u.shape[0], r = u.shape[1], n = v.shape[1]
        precondition(v.shape[0] == r, "low-rank factors \(u) and \(v) do not chain")
        let a = u.floats().map(Double.init), b = v.floats().map(Double.init)
        var out = [Float](repeating: 0, count: m * n)
        var row = [Double](repeating: 0, count: n)
        for i in 0..<m {
            for j in 0..<n { row[j] = 0 }
            for k in 0..<r {
                let x = a[i * r + k]
                let base = k * n
                for j in 0..<n { row[j] += x * b[base + j] }
            }
            for j in 0..<n { out[i * n + j] = Float(row[j]) }
        }
        return Tensor(out, shape: [m, n])
    }

    /// scales[o, i / g] · values[o, i], values i8 [out, in], scales [out] or [out, in/g] → f32 [out, in].
    static func dequantized(_ values: Tensor, _ scales: Tensor) -> Tensor {
        let out = values.shape[0], inF = values.shape[1], g = scales.int8GroupSize(inFeatures: inF)
        let s = scales.floats(), perRow = s.count / max(out, 1)
        let w = values.withUnsafeBytes { q in
            (0..<(out * inF)).map { s[($0 / inF) * perRow + ($0 % inF) / g] * Float(Int8(bitPattern: q[$0])) }
        }
        return Tensor(w, shape: values.shape)
    }
}
