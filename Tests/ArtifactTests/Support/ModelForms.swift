import ModelIR
import TensorCore

/// Compressed forms and head pruning built directly in tests, with their dense oracles
/// computed independently of the code under test.
enum ModelForms {
    /// W [out, in] → int8: scales = max|W| / 127 over each row (or each group of g inputs of a
    /// row: scales [out, in/g]), values = round(W / scale).
    static func int8(_ w: Tensor, groupSize: Int? = nil) -> (values: Tensor, scales: Tensor) {
        let out = w.shape[0], inF = w.shape[1], f = w.floats(), g = groupSize ?? inF
        var scales = [Float](repeating: 0, count: out * inF / g), values = [UInt8](repeating: 0, count: out * inF)
        for k in scales.indices {
            let group = f[(k * g)..<((k + 1) * g)]
            let scale = max(group.map(abs).max()!, 1e-8) / 127
            scales[k] = scale
            for (i, x) in zip(group.indices, group) { values[i] = UInt8(bitPattern: Int8((x / scale).rounded())) }
        }
        return (Tensor(dtype: .i8, shape: w.shape, bytes: values), Tensor(scales, shape: groupSize == nil ? [out] : [out, inF / g]))
    }

    /// Seeded factors u [out, r], v [r, in] with entries N(0, 0.1²).
    static func lowRank(out: Int, in inF: Int, rank r: Int, seed: UInt64) -> (u: Tensor, v: Tensor) {
        var rng = SplitMix64(seed: seed)
        let u = (0..<(out * r)).map { _ in rng.normal(standardDeviation: 0.1) }
        let v = (0..<(r * inF)).map { _ in rng.normal(standardDeviation: 0.1) }
        return (Tensor(u, shape: [out, r]), Tensor(v, shape: [r, inF]))
    }

    /// Oracle: naive Double triple loop, rounded to Float once.
    static func product(_ u: Tensor, _ v: Tensor) -> [Float] {
        let m = u.shape[0], r = u.shape[1], n = v.shape[1], a = u.floats(), b = v.floats()
        var out = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for k in 0..<r { s += Double(a[i * r + k]) * Double(b[k * n + j]) }
                out[i * n + j] = Float(s)
            }
        }
        return out
    }

    /// Oracle: scales[o, i / g] · values[o, i] as one Float multiply (per channel: g = in).
    static func dequantized(_ values: Tensor, _ scales: Tensor) -> [Float] {
        let s = scales.floats(), q = values.floats(), g = q.count / s.count
        return q.indices.map { s[$0 / g] * q[$0] }
    }

    /// Keeps heads `kept` (ascending) of block `i`: rows of q, k, v and their biases, columns of o.
    static func pruneHeads(_ model: inout Model, block i: Int, keep kept: [Int]) {
        var a = model.blocks[i].attention
        let dh = a.headDim, d = model.config.hiddenSize
        let rows = kept.flatMap { h in (h * dh)..<((h + 1) * dh) }
        func keepRows(_ l: Linear<Tensor>) -> Linear<Tensor> {
            guard case let .dense(w) = l.weight else { fatalError("dense only") }
            let f = w.floats(), b = l.bias!.floats()
            let wRows = rows.flatMap { r in f[(r * d)..<((r + 1) * d)] }
            return Linear(inFeatures: d, outFeatures: rows.count, weight: .dense(Tensor(wRows, shape: [rows.count, d])),
                          bias: Tensor(rows.map { b[$0] }, shape: [rows.count]))
        }
        guard case let .dense(o) = a.o.weight else { fatalError("dense only") }
        let inner = o.shape[1], f = o.floats()
        let oColumns = (0..<d).flatMap { r in rows.map { f[r * inner + $0] } }
        a.q = keepRows(a.q)
        a.k = keepRows(a.k)
        a.v = keepRows(a.v)
        a.o = Linear(inFeatures: rows.count, outFeatures: d, weight: .dense(Tensor(oColumns, shape: [d, rows.count])),
                     bias: a.o.bias)
        a.keptHeads = kept
        model.blocks[i].attention = a
    }
}
