extension CostModel {
    /// Block FLOPs with token elimination: block l sees N_{l−1} tokens and keeps N_l after its
    /// Eliminate layer (`counts` = N_0…N_L from `EliminationProfile.keptCounts`), per sample.
    public static func blockFLOPs<T>(_ graph: ModelGraph<T>, counts: [Int]) -> [BlockCost] {
        blockCosts(graph, counts: counts, pricing: .flops)
    }

    /// `blockFLOPs` priced by `pricing`, eliminated tokens dropped or merged as `mode` says
    /// (default: the graph's profile's mode).
    public static func blockCosts<T>(_ graph: ModelGraph<T>, counts: [Int], pricing: Pricing,
                                     mode: EliminationProfile.Mode? = nil) -> [BlockCost] {
        precondition(counts.count == graph.blocks.count + 1, "need N_0…N_L for \(graph.blocks.count) blocks")
        let merging = (mode ?? graph.elimination?.mode) == .merge
        return graph.blocks.enumerated().map { l, block in
            cost(block, hiddenSize: graph.config.hiddenSize, tokensIn: counts[l], tokensOut: counts[l + 1], pricing: pricing,
                 merging: merging, form: BlockForm(graph.config))
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
    /// and head on N_0 tokens, block l on N_{l−1} in and N_l out.
    public static func cost<T>(_ graph: ModelGraph<T>, counts: [[Int]], pricing: Pricing, mode: EliminationProfile.Mode? = nil) -> Int {
        // An encoder-decoder is timed and eliminated in its encoder: price the encoder alone
        // (its final norm, no decoder, no LM head).
        var priced = graph
        if priced.decoder != nil {
            priced.decoder = nil
            priced.head.languageModel = nil
            priced.head.tiedToEmbeddings = false
        }
        return counts.reduce(0) { total, c in
            let outside = cost(priced, workload: Workload(batch: 1, sequenceLength: c[0]), pricing: pricing)
            return total + outside.embeddings + outside.head
                + blockCosts(priced, counts: c, pricing: pricing, mode: mode).reduce(0) { $0 + $1.total }
        }
    }

    /// N_0…N_L for each of `lengths`: what `profile` keeps at λ, or every token when either is nil.
    public static func keptCounts<T>(_ graph: ModelGraph<T>, lengths: [Int], profile: EliminationProfile?, lambda: Double?) -> [[Int]] {
        lengths.map { n in
            guard let profile, let lambda else { return [Int](repeating: n, count: graph.blocks.count + 1) }
            return profile.keptCounts(tokens: n, lambda: lambda)
        }
    }
}
