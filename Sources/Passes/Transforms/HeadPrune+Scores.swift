import Calibration
import ModelIR
import TensorCore

extension HeadPrune {
    /// scores[l][i] for the i-th kept head of block l, by `score` (see `Score`), from the
    /// calibration statistics of `model`.
    static func scores(_ score: Score, _ model: Model, _ statistics: ActivationStatistics) throws(PassError) -> [[Double]] {
        switch score {
        case .contribution:
            return statistics.headScores
        case .fluctuation:
            var scores: [[Double]] = []
            for (l, block) in model.blocks.enumerated() {
                scores.append(fluctuation(block.attention, try outputInputs(statistics, layer: l)))
            }
            return scores
        }
    }

    /// FLAP's fluctuation of each kept head: Σ_{j ∈ cols(h)} Var(x_j)·‖W_O[:, j]‖₂², with
    /// Var(x_j) = E[x_j²] − E[x_j]² over the tokens of `inputs` (W_O's inputs), W_O [d, in].
    static func fluctuation(_ attention: Attention<Tensor>, _ inputs: InputStatistics) -> [Double] {
        let w = DenseWeight.floats(attention.o), d = attention.o.outFeatures, width = attention.o.inFeatures
        let n = Double(max(inputs.rows, 1)), μ = inputs.means
        var columnNorms = [Double](repeating: 0, count: width)
        for o in 0..<d { for j in 0..<width { columnNorms[j] += Double(w[o * width + j]) * Double(w[o * width + j]) } }
        return attention.keptHeads.indices.map { p in
            ((p * attention.headDim)..<((p + 1) * attention.headDim)).reduce(0) { s, j in
                s + max(inputs.sumSquares[j] / n - μ[j] * μ[j], 0) * columnNorms[j]
            }
        }
    }

    /// The statistics of W_O's input in block `layer` (the concatenated head contexts).
    static func outputInputs(_ statistics: ActivationStatistics, layer: Int) throws(PassError) -> InputStatistics {
        guard let inputs = statistics.inputs[.block(layer, "attention.o")] else {
            throw .failed(pass: name, reason: "no calibration statistics for blocks.\(layer).attention.o")
        }
        return inputs
    }
}
