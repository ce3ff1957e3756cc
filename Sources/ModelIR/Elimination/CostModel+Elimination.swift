extension CostModel {
    /// Block FLOPs with token elimination: block l sees N_{l−1} tokens and keeps N_l after its
    /// Eliminate layer (`counts` = N_0…N_L from `EliminationProfile.keptCounts`), per sample.
    public static func blockFLOPs<T>(_ graph: ModelGraph<T>, counts: [Int]) -> [BlockCost] {
        blockCosts(graph, counts: counts, pricing: .flops)
    }

    /// `blockFLOPs` priced by `pricing`, eliminated tokens dropped or merged as `mode` says and
    /// kept as `keep` says (defaults: the graph's profile's).
    public static func blockCosts<T>(_ graph: ModelGraph<T>, counts: [Int], pricing: Pricing,
                                     mode: EliminationProfile.Mode? = nil, keep: EliminationProfile.Keep? = nil) -> [BlockCost] {
        blockCosts(graph, counts: [counts], pricing: pricing, mode: mode, keep: keep)
    }

    /// `blockCosts` over a batch, sample s keeping counts[s] = N_0…N_L (`BlockTokens(counts:block:)`).
    public static func blockCosts<T>(_ graph: ModelGraph<T>, counts: [[Int]], pricing: Pricing,
                                     mode: EliminationProfile.Mode? = nil, keep: EliminationProfile.Keep? = nil) -> [BlockCost] {
        precondition(counts.allSatisfy { $0.count == graph.blocks.count + 1 }, "need N_0…N_L for \(graph.blocks.count) blocks")
        let merging = (mode ?? graph.elimination?.mode)?.merges ?? false
        let energy = (keep ?? graph.elimination?.keep)?.needsEnergy ?? false
        return graph.blocks.enumerated().map { l, block in
            cost(block, hiddenSize: graph.config.hiddenSize, tokens: BlockTokens(counts: counts, block: l), pricing: pricing,
                 merging: merging, energy: energy, form: BlockForm(graph.config))
        }
    }

    /// Eq. (4'): S = Σ_l FLOPs_l(N_0, N_0) / Σ_l FLOPs_l(N_{l−1}, N_l), over the blocks only
    /// (embeddings and head are outside the elimination), for one sample of n tokens.
    public static func eliminationSpeedup<T>(_ graph: ModelGraph<T>, profile: EliminationProfile,
                                             tokens n: Int, lambda: Double) -> Double {
        let full = blockFLOPs(graph, counts: [Int](repeating: n, count: graph.blocks.count + 1)).reduce(0) { $0 + $1.total }
        let pruned = blockFLOPs(graph, counts: profile.keptCounts(tokens: n, lambda: lambda)).reduce(0) { $0 + $1.total }
        return Double(full) / Double(max(pruned, 1))
    }
}

extension CostModel {
    /// The cost of one forward pass over a batch without padding, sample s having counts[s] =
    /// N_0…N_L tokens at its blocks (all equal to its length without elimination): embeddings
    /// and head on N_0 tokens, block l on N_{l−1} in and N_l out, the samples' rows stacked as the
    /// runtime stacks them (`cost(_:hiddenSize:tokens:…)`).
    ///
    /// An encoder-decoder is eliminated in its encoder. Without `generatedTokens` it is priced as
    /// `pare bench` times it, the encoder alone (its final norm, no decoder, no LM head); with
    /// it, the decoder generating that many tokens greedily over the N_L encoder rows that are
    /// left is added, as a deployment spends (`decoderCost`).
    public static func cost<T>(_ graph: ModelGraph<T>, counts: [[Int]], pricing: Pricing, mode: EliminationProfile.Mode? = nil,
                               keep: EliminationProfile.Keep? = nil, generatedTokens: Int? = nil) -> Int {
        var priced = graph
        if priced.decoder != nil {
            priced.decoder = nil
            priced.head.languageModel = nil
            priced.head.tiedToEmbeddings = false
        }
        let rows = counts.reduce(0) { $0 + $1[0] }
        var total = embeddingsCost(priced, rows: rows, pricing: pricing) + finalNormCost(priced, rows: rows, pricing: pricing)
            + outputsCost(priced, rows: counts.count, pricing: pricing)
            + blockCosts(priced, counts: counts, pricing: pricing, mode: mode, keep: keep).reduce(0) { $0 + $1.total }
        if let g = generatedTokens, let decoder = graph.decoder {
            // Per sample, the decoder's blocks over the rows it has left, its final norm and the
            // LM head once per generated token.
            for left in counts.map({ $0.last ?? 0 }) {
                total += decoder.blocks.reduce(0) {
                    $0 + decoderCost($1, hiddenSize: graph.config.hiddenSize, encoderTokens: left, generated: g, pricing: pricing,
                                     form: BlockForm(graph.config)).total
                } + g * (normCost(graph, rows: 1, pricing: pricing) + outputsCost(graph, rows: 1, pricing: pricing))
            }
        }
        return total
    }

    /// N_0…N_L for each of `lengths`: what `profile` keeps at λ, or every token when either is nil.
    public static func keptCounts<T>(_ graph: ModelGraph<T>, lengths: [Int], profile: EliminationProfile?, lambda: Double?) -> [[Int]] {
        lengths.map { n in
            guard let profile, let lambda else { return [Int](repeating: n, count: graph.blocks.count + 1) }
            return profile.keptCounts(tokens: n, lambda: lambda)
        }
    }
}

extension CostModel {
    /// Runtime speedup of `graph` eliminating as `profile` says at λ over the same graph without
    /// elimination, for `workload` (each of its `batch` samples `sequenceLength` tokens long):
    /// S(λ) = C(N, …, N) / C(N_0…N_L(λ)), C the whole forward pass (`cost(_:counts:pricing:mode:)`:
    /// embeddings and head included, merging's matching and averages priced when `profile.mode`
    /// merges). This is the figure `pare bench --against` measures between an artifact at λ and
    /// the same artifact without elimination; Eq. (6)'s `continuousSpeedup` counts block FLOPs of
    /// dense blocks instead, so it overstates S when the blocks are int8 or pruned.
    public static func eliminationSpeedup<T>(_ graph: ModelGraph<T>, profile: EliminationProfile, workload: Workload,
                                             lambda: Double, pricing: Pricing) -> Double {
        let n = workload.sequenceLength
        let full = cost(graph, counts: keptCounts(graph, lengths: [Int](repeating: n, count: workload.batch), profile: nil, lambda: nil),
                        pricing: pricing, mode: profile.mode, keep: profile.keep ?? .acc)
        let kept = [[Int]](repeating: profile.keptCounts(tokens: n, lambda: lambda), count: workload.batch)
        return Double(full) / Double(max(cost(graph, counts: kept, pricing: pricing, mode: profile.mode, keep: profile.keep ?? .acc), 1))
    }

    /// The largest λ in (0, identity λ] whose `eliminationSpeedup` is at least `target`, by
    /// bisection (S(λ) steps down as λ grows: every N_l is non-decreasing in λ); nil when even
    /// λ → 0 (one token left per layer) falls short. S is a step function of λ, so the λ found
    /// sits just below a step and its speedup is the smallest one reaching the target.
    public static func lambda<T>(_ graph: ModelGraph<T>, profile: EliminationProfile, forSpeedup target: Double,
                                 workload: Workload, pricing: Pricing, tolerance: Double = 1e-9) -> Double? {
        let speedup = { (λ: Double) in eliminationSpeedup(graph, profile: profile, workload: workload, lambda: λ, pricing: pricing) }
        var low = 1e-6, high = profile.identityLambda
        guard speedup(low) >= target else { return nil }
        guard speedup(high) < target else { return high }
        while high - low > tolerance {
            let mid = (low + high) / 2
            if speedup(mid) >= target { low = mid } else { high = mid }
        }
        return low
    }
}
