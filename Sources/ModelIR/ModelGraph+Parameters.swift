import TensorCore

extension Linear {
    /// Numbers the form stores for W and b: dense in·out, low-rank r·(in+out), sparse nnz,
    /// int8 in·out + its scales (out, or out·in/g per group), low-rank int8 r·(in+out) + out + r
    /// scales, sparse int8 nnz + its scales; plus out for a bias. A dense model's total equals the
    /// parameter count of PyTorch's `model.num_parameters()`.
    public var parameterCount: Int {
        let bias = self.bias?.elementCount ?? 0
        switch weight {
        case let .dense(w): return w.elementCount + bias
        case let .lowRank(u, v): return u.elementCount + v.elementCount + bias
        case let .sparse(_, _, _, nonzeros): return nonzeros + bias
        case let .int8(values, scales): return values.elementCount + scales.elementCount + bias
        case let .lowRankInt8(u, uScales, v, vScales):
            return u.elementCount + v.elementCount + uScales.elementCount + vScales.elementCount + bias
        case let .sparseInt8(_, scales, _, _, nonzeros): return nonzeros + scales.elementCount + bias
        }
    }
}

extension ModelGraph {
    /// Total stored parameters: every linear's `parameterCount`, plus embeddings and norms.
    /// A tied language-model head adds nothing.
    public var parameterCount: Int {
        let linearTotal = linears.reduce(0) { $0 + $1.linear.parameterCount }
        let linearTensors = Set(linears.flatMap { l in
            Self.tensors(of: l.linear, at: l.path.description).map(\.0)
        })
        let others = namedTensors.filter { !linearTensors.contains($0.name) }
        return linearTotal + others.reduce(0) { $0 + $1.tensor.elementCount }
    }

    /// Bytes of stored tensors, by dtype.
    public var bytesByDType: [DType: Int] {
        namedTensors.reduce(into: [:]) { $0[$1.tensor.dtype, default: 0] += $1.tensor.byteCount }
    }

    public var byteCount: Int { namedTensors.reduce(0) { $0 + $1.tensor.byteCount } }
}
