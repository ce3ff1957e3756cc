extension CostModel {
    /// Block FLOPs with token elimination: block l sees N_{l−1} tokens and keeps N_l after its
    /// Eliminate layer (`counts` = N_0…N_L from `EliminationProfile.keptCounts`), per sample.
    public static func blockFLOPs<T>(_ graph: ModelGraph<T>, counts: [Int]) -> [BlockCost] {
        precondition(counts.count == graph.blocks.count + 1, "need N_0…N_L for \(graph.blocks.count) blocks")
        return graph.blocks.enumerated().map { l, block in
            flops(block, hiddenSize: graph.config.hiddenSize, tokensIn: counts[l], tokensOut: counts[l + 1])
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
