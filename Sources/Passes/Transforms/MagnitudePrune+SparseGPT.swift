import Calibration
import Kernels
import ModelIR
import TensorCore

extension MagnitudePrune {
    /// `method: sparsegpt`: each unit's W [out, in] pruned and updated by `SparseGPT` from the
    /// Gram matrix of its calibration inputs (`inputs[i].gram`, XᵀX [in, in]); values stored in
    /// the weight's dtype, rounded from the f32 update. Units sharing an input (q, k, v come one
    /// after another and share one `InputStatistics`) reuse the factorization of H⁻¹. One BLAS
    /// thread throughout: the same inputs give the same bytes on any machine.
    func sparseGPTForms(_ units: [PruneUnit], inputs: [InputStatistics]) throws(PassError) -> [WeightForm<Tensor>] {
        try BLASThreads.withCount(1) { () throws(PassError) -> [WeightForm<Tensor>] in
            var forms: [WeightForm<Tensor>] = []
            var last: (gram: [Float], factor: SparseGPT)?
            for (unit, input) in zip(units, inputs) {
                guard let gram = input.gram else {
                    throw .failed(pass: Self.name, reason: "\(unit.path): the activation statistics hold no XᵀX; this is a bug in magnitude-prune, please report it")
                }
                var w = unit.weight.floats()
                if let bad = w.firstIndex(where: { !$0.isFinite }) {
                    throw .failed(pass: Self.name, reason: "\(unit.path): weight [\(bad / unit.columns), \(bad % unit.columns)] is not finite; fix the checkpoint")
                }
                let factor: SparseGPT
                if let last, last.gram == gram { factor = last.factor } else {
                    do throws(KernelError) { factor = try SparseGPT(gram: gram, n: unit.columns, dampening: Float(options.dampening)) } catch {
                        throw .failed(pass: Self.name, reason: "\(unit.path): H = XᵀX + δ·mean(diag)·I is not positive definite in f32 with δ = \(options.dampening) (\(error.lapackCall)); raise dampening or give more calibration samples")
                    }
                    last = (gram, factor)
                }
                let mask = factor.prune(&w, rows: unit.rows, blockSize: options.blockSize, selection: sparseGPTSelection(rows: unit.rows, columns: unit.columns))
                if let bad = w.firstIndex(where: { !$0.isFinite }) {
                    throw .failed(pass: Self.name, reason: "\(unit.path): the SparseGPT update made weight [\(bad / unit.columns), \(bad % unit.columns)] non-finite (are the calibration activations finite?); raise dampening")
                }
                let updated = PruneUnit(path: unit.path, weight: Tensor(w, shape: unit.weight.shape, dtype: unit.weight.dtype), norms: nil)
                forms.append(updated.form(mask: mask, pattern: options.pattern.sparsity))
            }
            return forms
        }
    }

    /// The per-block counts for W [rows, columns]: with blocks [b, e), ⌊s·e⌋ − ⌊s·b⌋ of each row
    /// (`per-output`) or ⌊s·rows·e⌋ − ⌊s·rows·b⌋ of the block (`per-linear`); they add up to the
    /// ⌊s·columns⌋ per row or ⌊s·rows·columns⌋ per linear that `effect` predicts.
    func sparseGPTSelection(rows: Int, columns: Int) -> SparseGPT.Selection {
        if let (n, m) = options.pattern.groups { return .nOfM(n: n, m: m) }
        let s = options.sparsity, unit = options.scope == .perOutput ? 1 : rows
        let zeros = stride(from: 0, to: columns, by: options.blockSize).map { b in
            Self.zeroCount(s, of: unit * min(b + options.blockSize, columns)) - Self.zeroCount(s, of: unit * b)
        }
        return options.scope == .perOutput ? .perRow(zeros: zeros) : .perBlock(zeros: zeros)
    }
}

extension KernelError {
    /// "LAPACK spotrf info 3" for a failed factorization: what went wrong, without the hint
    /// `description` gives for another caller.
    fileprivate var lapackCall: String {
        switch self {
        case let .notPositiveDefinite(_, info): "LAPACK spotrf info \(info)"
        default: description
        }
    }
}
