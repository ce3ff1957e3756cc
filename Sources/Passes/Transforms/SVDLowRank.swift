import Calibration
import Kernels
import ModelIR
import TensorCore

/// `svd-lowrank`: replaces each selected dense W [out, in] by u·v, u [out, r], v [r, in], from
/// the truncated SVD W ≈ U_r Σ_r V_rᵀ with u = U_r √Σ_r and v = √Σ_r V_rᵀ (Eckart–Young: the best
/// rank-r approximation in Frobenius norm, error √Σ_{i>r} σᵢ²).
///
/// The rank is `rank`, or ⌈rank-ratio · min(out, in)⌉, or (default) the smallest r keeping
/// `energy` of Σσᵢ². A factorization pays only when its two GEMMs run faster than the dense one
/// on Pare's runtime (`LowRankPricing`: r below the break-even rank, somewhat under
/// out·in/(out+in) because skinny GEMMs run below sgemm's rate). A fixed rank that does not pay
/// is an error of `check` unless `force`; a rank from the energy rule that does not pay leaves
/// the linear dense with a warning. With `activation-aware` (SVD-LLM), W is
/// whitened by the Cholesky factor S of the calibration inputs' XᵀX before the SVD and
/// v = √Σ_r V_rᵀ S⁻¹, which minimises ‖(W − u·v)·Xᵀ‖ rather than ‖W − u·v‖.
///
/// `method: randomized` computes only the leading r singular triplets by `SVD.randomized`
/// (`oversampling` p, `power-iterations` q; the test matrix is seeded from the pipeline seed and
/// the linear's path), of W or of the whitened W·S alike; it needs `rank` or `rank-ratio`.
public struct SVDLowRank: Pass {
    public static let name = "svd-lowrank"
    public static let summary = "Factorize dense weights as u·v by truncated SVD (rank, ratio or energy; optionally activation-aware); a rank predicted slower than the dense weight needs force=true."
    public let options: Options
    public var needsCalibration: Bool { options.activationAware }

    public init(options: Options) { self.options = options }

    public func check(_ s: Skeleton) -> [Diagnostic] {
        let paths = s.linearPaths(matching: options.select)
        guard !paths.isEmpty else {
            return [Diagnostic.selectsNoLinear(options.select)]
        }
        var found: [Diagnostic] = []
        for path in paths {
            let linear = s.linear(at: path)!
            guard case .dense = linear.weight else {
                // int8-quantize stores the factors as int8 (low-rank-int8): it goes after.
                let fix = if case .int8 = linear.weight { "move int8-quantize last, after svd-lowrank (it quantizes the factors, as low-rank-int8)" }
                    else { "move svd-lowrank before the pass that made it \(linear.weight.kind)" }
                found.append(Diagnostic(.error, at: path.description, "svd-lowrank needs a dense weight but found \(linear.weight.kind)",
                                        hint: fix + ", or leave it out of select"))
                continue
            }
            // Forced: factored anyway, and the report's low-rank findings flag it.
            if let r = fixedRank(linear), !options.force, !pays(linear, rank: r) {
                found.append(Diagnostic(.error, at: path.description, notPaying(linear, rank: r),
                                        hint: breakEvenHint(linear) + ", or pass force=true to factor anyway"))
            }
        }
        if fixedRankMode == false {
            found.append(Diagnostic(.note, at: options.select.pattern, "ranks follow the weights' spectra (energy \(options.energy ?? Options.defaultEnergy)): plan shows these linears dense, compile reports the ranks chosen"))
        }
        return found
    }

    /// With `rank` or `rank-ratio` the structure is known without weights; with `energy` it is
    /// not (the rank depends on the spectrum), and the skeleton is left as it is.
    public func effect(on s: inout Skeleton) {
        guard fixedRankMode else { return }
        for path in s.linearPaths(matching: options.select) {
            let linear = s.linear(at: path)!
            guard case let .dense(w) = linear.weight, let r = fixedRank(linear), options.force || pays(linear, rank: r) else { continue }
            var factored = linear
            factored.weight = .lowRank(u: TensorSpec(dtype: w.dtype, shape: [linear.outFeatures, r]),
                                       v: TensorSpec(dtype: w.dtype, shape: [r, linear.inFeatures]))
            s.setLinear(factored, at: path)
        }
    }

    public func run(on model: inout Model, context: PassContext) async throws(PassError) -> PassResult {
        try options.validate() // a pass built in code has not been through the recipe's validation
        let paths = model.linearPaths(matching: options.select)
        let statistics = options.activationAware
            ? try context.activationStatistics(model, gram: Set(paths), pass: Self.name) : nil
        var factored = 0, kept = 0, removed = 0, ranks: [Int] = []
        var diagnostics: [Diagnostic] = []
        for path in paths {
            let linear = model.linear(at: path)!
            guard case let .dense(w) = linear.weight else { continue }
            let out = linear.outFeatures, inF = linear.inFeatures
            let fixed = fixedRank(linear)
            var a = w.floats()
            var whitening: Cholesky?
            if let gram = statistics?.inputs[path]?.gram {
                let meanDiagonal = (0..<inF).reduce(Float(0)) { $0 + gram[$1 * inF + $1] } / Float(inF)
                do { whitening = try Cholesky(gram, n: inF, damping: max(1e-6, 1e-4 * meanDiagonal)) } catch {
                    throw .failed(pass: Self.name, reason: "\(path): \(error)")
                }
                // W·S: the whitened weight.
                a = GEMM.multiply(a, whitening!.lower, m: out, n: inF, k: inF)
            }
            let svd: SVD
            do {
                switch options.method {
                case .exact:
                    svd = try SVD(a, rows: out, columns: inF)
                case .randomized:
                    // validate() guarantees a fixed rank with this method.
                    svd = try SVD.randomized(a, rows: out, columns: inF, rank: fixed!, oversampling: options.oversampling,
                                             powerIterations: options.powerIterations, seed: Self.seed(context.seed, path))
                }
            } catch { throw .failed(pass: Self.name, reason: "\(path): \(error)") }
            let r = fixed ?? Self.energyRank(svd.singularValues, energy: options.energy ?? Options.defaultEnergy)
            guard options.force || pays(linear, rank: r) else {
                kept += 1
                diagnostics.append(Diagnostic(.warning, at: path.description, notPaying(linear, rank: r) + "; left dense",
                                              hint: breakEvenHint(linear) + " (a lower energy), or pass force=true"))
                continue
            }
            let k = svd.rank
            var u = [Float](repeating: 0, count: out * r), v = [Float](repeating: 0, count: r * inF)
            for i in 0..<r {
                let root = svd.singularValues[i].squareRoot()
                for o in 0..<out { u[o * r + i] = svd.u[o * k + i] * root }
                for j in 0..<inF { v[i * inF + j] = svd.vt[i * inF + j] * root }
            }
            if let whitening { v = whitening.rightSolve(v, rows: r) }
            var replaced = linear
            replaced.weight = .lowRank(u: Tensor(u, shape: [out, r], dtype: w.dtype), v: Tensor(v, shape: [r, inF], dtype: w.dtype))
            model.setLinear(replaced, at: path)
            removed += out * inF - r * (out + inF)
            factored += 1
            ranks.append(r)
        }
        return PassResult(changed: factored > 0,
                          counters: ["linears-factored": factored, "linears-left-dense": kept,
                                     "parameters-removed": removed, "rank-min": ranks.min() ?? 0, "rank-max": ranks.max() ?? 0],
                          diagnostics: diagnostics)
    }

    /// The smallest r with Σ_{i<r} σᵢ² ≥ energy · Σ σᵢ² (at least 1).
    static func energyRank(_ sigma: [Float], energy: Double) -> Int {
        let total = sigma.reduce(0.0) { $0 + Double($1) * Double($1) }
        var kept = 0.0
        for (i, s) in sigma.enumerated() {
            kept += Double(s) * Double(s)
            if kept >= energy * total - 1e-12 * total { return i + 1 }
        }
        return max(1, sigma.count)
    }

    /// The randomized SVD's seed for one linear: the pipeline seed xor FNV-1a of the path, so a
    /// linear's test matrix does not depend on which other linears are selected.
    static func seed(_ seed: UInt64, _ path: LayerPath) -> UInt64 {
        path.description.utf8.reduce(seed ^ 0xCBF2_9CE4_8422_2325) { ($0 ^ UInt64($1)) &* 0x0000_0100_0000_01B3 }
    }

    private var fixedRankMode: Bool { options.rank != nil || options.rankRatio != nil }

    private func fixedRank<T>(_ linear: Linear<T>) -> Int? {
        let full = min(linear.inFeatures, linear.outFeatures)
        if let r = options.rank { return min(r, full) }
        if let ratio = options.rankRatio { return max(1, Int((ratio * Double(full)).rounded(.up))) }
        return nil
    }

    /// Whether rank r factors run faster than the dense weight on Pare's runtime (f32 GEMMs at
    /// the reference rates; the ratio does not depend on the token count).
    private func pays<T>(_ linear: Linear<T>, rank r: Int) -> Bool {
        ratio(linear, rank: r) < 1
    }

    private func ratio<T>(_ linear: Linear<T>, rank r: Int) -> Double {
        LowRankPricing.ratio(rank: r, inFeatures: linear.inFeatures, outFeatures: linear.outFeatures, int8GEMMs: false,
                             tokens: 128, rates: .reference)
    }

    private func notPaying<T>(_ linear: Linear<T>, rank r: Int) -> String {
        let stored = r * (linear.inFeatures + linear.outFeatures), dense = linear.inFeatures * linear.outFeatures
        let flops = stored >= dense ? "saves no FLOPs (r·(out+in) = \(stored) ≥ out·in = \(dense))"
            : "saves \(Int((100 * (1 - Double(stored) / Double(dense))).rounded()))% of the FLOPs"
        return "rank \(r) \(flops), but its two GEMMs are predicted to take \(String(format: "%.3f", ratio(linear, rank: r)))× the dense GEMM's time on Pare's runtime"
    }

    private func breakEvenHint<T>(_ linear: Linear<T>) -> String {
        LowRankPricing.breakEvenRank(inFeatures: linear.inFeatures, outFeatures: linear.outFeatures, tokens: 128, rates: .reference)
            .map { "choose a rank below \($0)" } ?? "keep this weight dense"
    }
}
