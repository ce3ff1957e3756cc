import Calibration
import ModelIR
import TensorCore

/// `magnitude-prune`: zeroes the lowest-scoring weights of the selected linears and stores each
/// as `.sparse(values, mask, pattern, nonzeros)`, values in the dense weight's dtype.
///
/// Score of W_ij (W [out, in]): |W_ij| (`magnitude`), or |W_ij|·‖X_j‖₂ (`wanda`, ‖X_j‖₂ the norm of
/// input feature j over the calibration tokens), computed in f32 as Wanda's reference does.
/// A unit is a linear (`per-linear`), a row of one (`per-output`, Wanda's comparison group) or
/// the pool of all selected linears (`global`); each unit loses exactly ⌊s·n⌋ of its n weights.
/// With `2:4` / `4:8` every group of M consecutive inputs of a row keeps exactly its N best.
///
/// Ties: weights are zeroed in ascending (score, position) order, so among equal scores the
/// lower position goes first. Position is the flat row-major index o·in + j within a linear;
/// in the global pool, linears come in execution order (`ModelGraph.linears`), then row-major.
///
/// `method: sparsegpt` (SparseGPT, Frantar & Alistarh 2023) prunes each W with an
/// optimal-brain-surgeon update of the kept weights from H = XᵀX + δ·mean(diag)·I of the linear's
/// calibration inputs (`Kernels.SparseGPT`): columns go in blocks of B (`block-size`), each
/// block's mask is chosen by the error w²/[H⁻¹]_jj² of the weights as the earlier blocks left them,
/// and the values stored are the updated ones. Scopes: `per-output` prunes ⌊s·e⌋ − ⌊s·b⌋ of each
/// row in block [b, e), `per-linear` ⌊s·out·e⌋ − ⌊s·out·b⌋ of the whole block (the reference's
/// rule), so a row or a linear loses exactly ⌊s·n⌋; N:M keeps N per group, choosing each group
/// when its first column comes. `global` is rejected: a block's mask depends on the updates of its
/// own linear, so there is no one ranking across linears. `score` must stay `magnitude`.
/// Linears sharing an input (q, k, v) share one factorization of H⁻¹; one BLAS thread, so the
/// bytes do not depend on the machine.
///
/// `bias-correction`: after pruning, b += (W − Ŵ)·μ with μ the mean calibration input
/// (`BiasCorrection`), so each pruned linear's mean output on the calibration tokens is kept;
/// a linear without a bias gets an f32 [out] one. Either method.
public struct MagnitudePrune: Pass {
    public static let name = "magnitude-prune"
    public static let summary = "Zero the smallest weights (|W| or Wanda's |W|·‖x‖, or SparseGPT with its weight update): unstructured per linear, per row or global, or N:M (2:4, 4:8); optional bias correction."
    public let options: Options
    public var needsCalibration: Bool { options.score == .wanda || options.method == .sparsegpt || options.biasCorrection }

    public init(options: Options) { self.options = options }

    public func check(_ s: Skeleton) -> [Diagnostic] {
        if let invalid = options.validationDiagnostic() { return [invalid] }
        let paths = s.linearPaths(matching: options.select)
        guard !paths.isEmpty else {
            return [Diagnostic.selectsNoLinear(options.select)]
        }
        var diagnostics: [Diagnostic] = []
        for path in paths {
            guard let linear = s.linear(at: path) else { continue }
            let at = path.description
            switch linear.weight {
            case let .dense(w):
                if ![.f32, .f16, .bf16].contains(w.dtype) {
                    diagnostics.append(Diagnostic(.error, at: at, "\(Self.name) needs an f32, f16 or bf16 weight but found \(w.dtype.rawValue)",
                                                  hint: "add cast{dtype=f32} before \(Self.name)"))
                }
                if let (_, m) = options.pattern.groups, linear.inFeatures % m != 0 {
                    diagnostics.append(Diagnostic(.error, at: at, "\(options.pattern.rawValue) sparsity needs the input features (\(linear.inFeatures)) divisible by \(m)",
                                                  hint: "exclude this linear from select or use pattern=unstructured"))
                }
                if path.blockIndex == nil {
                    diagnostics += statisticsUsers.map { Diagnostic(.error, at: at, $0.needs, hint: "narrow select to blocks.** or " + $0.instead) }
                }
            case let .sparse(_, _, pattern, _):
                diagnostics.append(Diagnostic(.error, at: at, "\(Self.name) needs a dense weight but it is already pruned (\(pattern))",
                                              hint: "prune each linear once: remove it from this step's select or drop the earlier \(Self.name)"))
            case .int8:
                // int8-quantize keeps a sparse weight sparse (as sparse-int8): it goes after.
                diagnostics.append(Diagnostic(.error, at: at, "\(Self.name) needs a dense weight but found int8",
                                              hint: "move int8-quantize last, after \(Self.name) (it keeps the zeros, as sparse-int8), or leave \(at) out of \(Self.name)'s select"))
            case let .sparseInt8(_, _, _, pattern, _):
                diagnostics.append(Diagnostic(.error, at: at, "\(Self.name) needs a dense weight but it is already pruned (\(pattern)) and int8",
                                              hint: "prune each linear once and quantize after: drop the earlier \(Self.name) or remove it from this step's select, and move int8-quantize last"))
            case .lowRank, .lowRankInt8:
                diagnostics.append(Diagnostic(.error, at: at, "\(Self.name) needs a dense weight but found \(linear.weight.kind)",
                                              hint: "a weight cannot be both sparse and low-rank: leave \(at) out of \(Self.name)'s select or out of svd-lowrank's"))
            }
        }
        return diagnostics
    }

    /// Each selected dense W [out, in] becomes sparse: values of the same spec, mask u8
    /// [out, ⌈in/8⌉], nonzeros = n − (weights zeroed), known from shapes alone except for
    /// `global`, where the split across linears depends on the weights: there each linear gets
    /// its share of the pool's exact ⌊s·N⌋ by largest remainder (`globalShares`), so the total is
    /// exact and the per-linear counts are an estimate.
    public func effect(on s: inout Skeleton) {
        let targets = s.linearPaths(matching: options.select).compactMap { path -> (LayerPath, Linear<TensorSpec>)? in
            guard let linear = s.linear(at: path), case .dense = linear.weight else { return nil }
            return (path, linear)
        }
        let shares = options.scope == .global && options.pattern.groups == nil
            ? Self.globalShares(sparsity: options.sparsity, sizes: targets.map { $0.1.inFeatures * $0.1.outFeatures })
            : nil
        for (i, (path, linear)) in targets.enumerated() {
            guard case let .dense(w) = linear.weight else { continue }
            let zeroed = shares?[i] ?? zeroCount(rows: linear.outFeatures, columns: linear.inFeatures)
            var pruned = linear
            pruned.weight = .sparse(values: w.spec, mask: TensorSpec(dtype: .u8, shape: [linear.outFeatures, (linear.inFeatures + 7) / 8]),
                                    pattern: options.pattern.sparsity, nonzeros: w.elementCount - zeroed)
            if options.biasCorrection, pruned.bias == nil { pruned.bias = TensorSpec(dtype: .f32, shape: [linear.outFeatures]) }
            s.setLinear(pruned, at: path)
        }
    }

    public func run(on model: inout Model, context: PassContext) async throws(PassError) -> PassResult {
        try options.validate() // a pass built in code has not been through the recipe's validation
        let paths = model.linearPaths(matching: options.select)
        let statistics = needsCalibration
            ? try context.activationStatistics(model, gram: options.method == .sparsegpt ? Set(paths) : [], pass: Self.name) : nil
        var units: [PruneUnit] = [], inputs: [InputStatistics] = []
        for path in paths {
            guard let linear = model.linear(at: path), case let .dense(w) = linear.weight, w.shape.rank == 2 else {
                throw .failed(pass: Self.name, reason: "\(path) is not a dense weight; run the pipeline's check first (it says how to fix the recipe)")
            }
            if let statistics {
                guard let input = statistics.inputs[path] else {
                    throw .failed(pass: Self.name, reason: "no activation statistics for \(path) (they cover block linears only); narrow select to blocks.**")
                }
                inputs.append(input)
            }
            units.append(PruneUnit(path: path, weight: w, norms: options.score == .wanda ? inputs.last?.norms.map { Float($0) } : nil))
        }
        let pattern = options.pattern.sparsity, s = options.sparsity
        let forms: [WeightForm<Tensor>]
        switch (options.pattern.groups, options.scope) {
        case _ where options.method == .sparsegpt:
            forms = try sparseGPTForms(units, inputs: inputs)
        case let ((n, m)?, _):
            forms = try await PruneUnit.concurrentMap(units) { unit throws(PassError) in
                try unit.form(mask: unit.maskKeepingBest(n, of: m, keys: unit.keys()), pattern: pattern)
            }
        case (nil, .perLinear):
            forms = try await PruneUnit.concurrentMap(units) { unit throws(PassError) in
                let keys = try unit.keys()
                return try PruneUnit.pruneSmallest(MagnitudePrune.zeroCount(s, of: keys.count), of: [unit], pattern: pattern) { _ in keys }[0]
            }
        case (nil, .perOutput):
            forms = try await PruneUnit.concurrentMap(units) { unit throws(PassError) in
                let perRow = MagnitudePrune.zeroCount(s, of: unit.columns)
                return try unit.form(mask: unit.maskPruningRows(perRow, keys: unit.keys()), pattern: pattern)
            }
        case (nil, .global):
            let total = units.reduce(0) { $0 + $1.weight.elementCount }
            forms = try PruneUnit.pruneSmallest(Self.zeroCount(s, of: total), of: units, pattern: pattern) { i throws(PassError) in
                try units[i].keys()
            }
        }
        var zeroed = 0, biasesAdded = 0
        for (i, (unit, form)) in zip(units, forms).enumerated() {
            guard var linear = model.linear(at: unit.path), case let .sparse(values, _, _, nonzeros) = form else { continue }
            zeroed += unit.weight.elementCount - nonzeros
            linear.weight = form
            if options.biasCorrection {
                biasesAdded += linear.bias == nil ? 1 : 0
                linear.bias = Self.correctedBias(linear.bias, original: unit.weight, pruned: values, means: inputs[i].means)
            }
            model.setLinear(linear, at: unit.path)
        }
        var counters = ["weights-zeroed": zeroed, "linears-pruned": units.count]
        if options.biasCorrection {
            counters["biases-corrected"] = units.count
            counters["biases-added"] = biasesAdded
        }
        return PassResult(changed: !units.isEmpty, counters: counters)
    }

    /// What needs the activation statistics with these options (which cover block linears
    /// only), and the alternative.
    private var statisticsUsers: [(needs: String, instead: String)] {
        (options.score == .wanda ? [("wanda scores need activation statistics, which are measured for block linears only", "use score=magnitude")] : [])
            + (options.method == .sparsegpt ? [("sparsegpt needs the calibration inputs' XᵀX, which is measured for block linears only", "use method=select")] : [])
            + (options.biasCorrection ? [("bias-correction needs the mean calibration input, which is measured for block linears only", "set bias-correction=false")] : [])
    }

    /// Weights a per-linear, per-output or N:M run zeroes in one W [rows, columns].
    func zeroCount(rows: Int, columns: Int) -> Int {
        if let (n, m) = options.pattern.groups { return rows * (columns / m) * (m - n) }
        switch options.scope {
        case .perOutput: return rows * Self.zeroCount(options.sparsity, of: columns)
        case .perLinear, .global: return Self.zeroCount(options.sparsity, of: rows * columns)
        }
    }

    /// ⌊s·n⌋, taking an s·n within 1e-9 (relative) of an integer as that integer: 0.29·100 is
    /// 28.999999999999996 in binary floating point, and a user asking for 29% of 100 means 29.
    static func zeroCount(_ s: Double, of n: Int) -> Int {
        let x = s * Double(n), nearest = x.rounded()
        return abs(x - nearest) <= 1e-9 * max(1, x) ? Int(nearest) : Int(x.rounded(.down))
    }

    /// The pool's ⌊s·N⌋ (N = Σ sizes) split over linears by largest remainder: each gets
    /// ⌊s·n_i⌋, and the rest go one each to the largest fractional parts s·n_i − ⌊s·n_i⌋
    /// (earlier linears first among equal parts). What `effect` predicts for `global`.
    static func globalShares(sparsity s: Double, sizes: [Int]) -> [Int] {
        var shares = sizes.map { zeroCount(s, of: $0) }
        let rest = zeroCount(s, of: sizes.reduce(0, +)) - shares.reduce(0, +)
        guard rest > 0 else { return shares }
        let order = sizes.indices.sorted { a, b in
            let fa = s * Double(sizes[a]) - Double(shares[a]), fb = s * Double(sizes[b]) - Double(shares[b])
            return fa != fb ? fa > fb : a < b
        }
        for i in order.prefix(rest) { shares[i] += 1 }
        return shares
    }
}
