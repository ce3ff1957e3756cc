import Calibration
import ModelIR
import TensorCore

extension FFNPrune {
    /// scores[j] of the n neurons of one MLP (see `Score`), from W_down [d, n] and the statistics
    /// of its inputs h = act(up(x)) over the calibration tokens; in Double.
    static func scores(_ score: Score, down: Linear<Tensor>, inputs: InputStatistics) -> [Double] {
        let w = DenseWeight.floats(down), d = down.outFeatures, n = down.inFeatures
        let t = Double(max(inputs.rows, 1)), μ = inputs.means
        var columnNorms2 = [Double](repeating: 0, count: n)
        for o in 0..<d { for j in 0..<n { columnNorms2[j] += Double(w[o * n + j]) * Double(w[o * n + j]) } }
        switch score {
        case .fluctuation:
            return (0..<n).map { j in max(inputs.sumSquares[j] / t - μ[j] * μ[j], 0) * columnNorms2[j] }
        case .magnitude:
            return (0..<n).map { j in inputs.sumAbs[j] / t * columnNorms2[j].squareRoot() }
        }
    }

    /// Neurons an MLP of n keeps when ⌊f·n⌋ (or, globally, r) of them are to go, rounded to a
    /// multiple m of `keep-multiple`: n when nothing is removed; n − r (at least 1) when n < m;
    /// else m·round((n − r)/m) (halves up), kept within [m, m·⌊n/m⌋].
    static func keptCount(_ n: Int, removing r: Int, multiple m: Int) -> Int {
        guard r > 0 else { return n }
        guard n >= m else { return max(n - r, 1) }
        let rounded = m * Int((Double(n - r) / Double(m)).rounded(.toNearestOrAwayFromZero))
        return min(max(rounded, m), m * (n / m))
    }

    /// The `count` highest-scoring neurons of one MLP, ascending indices: the others are removed
    /// in ascending (score, index) order, so among equal scores the lower index goes first.
    static func keep(_ scores: [Double], count: Int) -> [Int] {
        let order = scores.indices.sorted { a, b in scores[a] < scores[b] || (scores[a] == scores[b] && a < b) }
        return order.dropFirst(scores.count - count).sorted()
    }

    /// Per selected layer (in `layers` order) the kept neuron indices: per layer n − ⌊f·n⌋, or
    /// with `global-fraction` the layers' shares of the ⌊g·N⌋ lowest scores over all of them
    /// (ties to the lower (layer, index)), each count then rounded by `keptCount`.
    func chooseKept(_ scores: [[Double]]) -> [[Int]] {
        let m = options.keepMultiple
        var removed: [Int]
        if let f = options.fraction {
            removed = scores.map { MagnitudePrune.zeroCount(f, of: $0.count) }
        } else {
            let g = options.globalFraction ?? 0
            var all: [(score: Double, layer: Int, index: Int)] = []
            for (l, layer) in scores.enumerated() { for (j, s) in layer.enumerated() { all.append((s, l, j)) } }
            all.sort { a, b in a.score < b.score || (a.score == b.score && (a.layer, a.index) < (b.layer, b.index)) }
            removed = scores.map { _ in 0 }
            for c in all.prefix(MagnitudePrune.zeroCount(g, of: all.count)) { removed[c.layer] += 1 }
        }
        return scores.indices.map { l in
            Self.keep(scores[l], count: Self.keptCount(scores[l].count, removing: removed[l], multiple: m))
        }
    }
}
