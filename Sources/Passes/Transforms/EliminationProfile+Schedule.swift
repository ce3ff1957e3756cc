import ModelIR
import Runtime

/// `elimination-profile{schedule=search}`: how many tokens each layer keeps, chosen by
/// fidelity per unit of runtime cost on the calibration samples instead of by ACC's curve.
///
/// The search works on retention ratios r_l ∈ (0, 1] (the α_l of Eq. 1 at the chosen point),
/// starting from r ≡ 1 (nothing eliminated). Each round tries lowering every layer's ratio by
/// one step, r_l ← `step`·r_l, prices each trial on the runtime (`CostModel.cost`, merging
/// included, on the compile's workload) and measures its fidelity (`FidelitySearch`), and keeps
/// the trial that loses the least fidelity per unit of cost saved, ΔF/ΔC (ties to the lower
/// layer). It stops once the runtime speedup reaches the target: a greedy path through the
/// schedules, L fidelity measurements a round.
///
/// The result stays a λ-indexed family (ACC-SPEC §2): EP_l := r_l, so α_l(λ) = min(1, λ·r_l)
/// and λ = 1 is the searched schedule, λ < 1 eliminates more in the same proportions, and the
/// identity λ is 1 / min r. The default λ is then the largest whose runtime speedup still meets
/// the target (≥ 1, as the last round may overshoot).
struct ScheduleSearch {
    let fidelity: FidelitySearch
    let pricing: CostModel.Pricing
    let workload: Workload
    /// The multiplicative step of one trial.
    var step = 0.85

    /// The searched profile: `base` (its mode, protection, rounding, ACC for the record) with EP
    /// replaced by the schedule and the default λ meeting `target`; nil when even every layer
    /// down to a single token falls short. Also returns the rounds taken.
    func search<T>(_ graph: ModelGraph<T>, base: EliminationProfile, target: Double) throws(RuntimeError) -> (EliminationProfile, rounds: Int)? {
        func with(_ r: [Double]) -> EliminationProfile {
            var p = base
            p.ep = r
            p.identityLambda = 1 / max(r.min() ?? 1, 1e-9)
            return p
        }
        func cost(_ r: [Double]) -> Int {
            let counts = with(r).keptCounts(tokens: workload.sequenceLength, lambda: 1)
            return CostModel.cost(graph, counts: [[Int]](repeating: counts, count: workload.batch), pricing: pricing, mode: base.mode, keep: base.keep ?? .acc)
        }
        let full = cost([Double](repeating: 1, count: base.layerCount))
        let floorRatio = 1 / Double(max(workload.sequenceLength, 1))
        var r = [Double](repeating: 1, count: base.layerCount), current = (cost: full, fidelity: 1.0), rounds = 0
        while Double(full) / Double(max(current.cost, 1)) < target {
            var best: (layer: Int, cost: Int, fidelity: Double, rate: Double)?
            for l in r.indices where r[l] > floorRatio {
                var trial = r
                trial[l] = max(floorRatio, r[l] * step)
                let c = cost(trial)
                guard c < current.cost else { continue }
                let f = try fidelity.fidelity(Elimination(profile: with(trial), lambda: 1, mode: base.mode))
                let rate = (current.fidelity - f) / Double(current.cost - c)
                if best == nil || rate < best!.rate { best = (l, c, f, rate) }
            }
            guard let chosen = best else { return nil }
            r[chosen.layer] = max(floorRatio, r[chosen.layer] * step)
            current = (chosen.cost, chosen.fidelity)
            rounds += 1
        }
        var profile = with(r)
        profile.defaultLambda = CostModel.lambda(graph, profile: profile, forSpeedup: target, workload: workload, pricing: pricing) ?? 1
        return (profile, rounds)
    }
}
