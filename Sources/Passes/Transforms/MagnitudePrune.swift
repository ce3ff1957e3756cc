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
public struct MagnitudePrune: Pass {
    public struct Options: PassOptions {
        /// Fraction s of each unit's weights set to zero, 0 < s < 1; with N:M it must be 1 − N/M.
        public var sparsity: Double = 0.5
        public var pattern: Pattern = .unstructured
        public var scope: Scope = .perLinear
        public var score: Score = .magnitude
        public var select: LayerGlob = "blocks.**"

        public init() {}

        public func validate() throws(PassError) {
            guard sparsity > 0, sparsity < 1 else {
                throw .invalidValue(key: "sparsity", value: "\(sparsity)", expected: "a fraction strictly between 0 and 1")
            }
            if let (n, m) = pattern.groups {
                let implied = 1 - Double(n) / Double(m)
                guard sparsity == implied else {
                    throw .invalidValue(key: "sparsity", value: "\(sparsity)",
                                        expected: "\(implied) with pattern=\(pattern.rawValue) (it zeroes \(m - n) of every \(m) weights), or pattern=unstructured")
                }
                guard scope != .global else {
                    throw .invalidValue(key: "scope", value: "global",
                                        expected: "per-linear with pattern=\(pattern.rawValue) (N:M groups lie within one row), or pattern=unstructured")
                }
            }
        }
    }

    public static let name = "magnitude-prune"
    public static let summary = "Zero the smallest weights (|W| or Wanda's |W|·‖x‖): unstructured per linear, per row or global, or N:M (2:4, 4:8)."
    public let options: Options
    public var needsCalibration: Bool { options.score == .wanda }

    public init(options: Options) { self.options = options }

    public func check(_ s: Skeleton) -> [Diagnostic] {
        do {
            try options.validate()
        } catch let .invalidValue(key, value, expected) {
            return [Diagnostic(.error, at: "option '\(key)'", "\(value) is out of range", hint: "use \(expected)")]
        } catch {
            return [Diagnostic(.error, at: "options", error.description)]
        }
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
                if options.score == .wanda, path.blockIndex == nil {
                    diagnostics.append(Diagnostic(.error, at: at, "wanda scores need activation statistics, which are measured for block linears only",
                                                  hint: "narrow select to blocks.** or use score=magnitude"))
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
            s.setLinear(pruned, at: path)
        }
    }

    public func run(on model: inout Model, context: PassContext) async throws(PassError) -> PassResult {
        try options.validate() // a pass built in code has not been through the recipe's validation
        let statistics = options.score == .wanda ? try context.activationStatistics(model, pass: Self.name) : nil
        var units: [PruneUnit] = []
        for path in model.linearPaths(matching: options.select) {
            guard let linear = model.linear(at: path), case let .dense(w) = linear.weight, w.shape.rank == 2 else {
                throw .failed(pass: Self.name, reason: "\(path) is not a dense weight; run the pipeline's check first (it says how to fix the recipe)")
            }
            var norms: [Float]?
            if let statistics {
                guard let input = statistics.inputs[path] else {
                    throw .failed(pass: Self.name, reason: "no activation statistics for \(path); wanda scores block linears only, narrow select to blocks.**")
                }
                norms = input.norms.map { Float($0) }
            }
            units.append(PruneUnit(path: path, weight: w, norms: norms))
        }
        let pattern = options.pattern.sparsity, s = options.sparsity
        let forms: [WeightForm<Tensor>]
        switch (options.pattern.groups, options.scope) {
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
        var zeroed = 0
        for (unit, form) in zip(units, forms) {
            guard var linear = model.linear(at: unit.path), case let .sparse(_, _, _, nonzeros) = form else { continue }
            zeroed += unit.weight.elementCount - nonzeros
            linear.weight = form
            model.setLinear(linear, at: unit.path)
        }
        return PassResult(changed: !units.isEmpty, counters: ["weights-zeroed": zeroed, "linears-pruned": units.count])
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
