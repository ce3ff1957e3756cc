import Calibration
import ModelIR
import TensorCore

/// Block by block: each layer reads the statistics of W_O's input and its head scores on the
/// model as this step receives it. `heads` and `fraction` decide per block; with
/// `global-fraction` the layer-by-layer compile first sweeps every block for its scores (a
/// statistics-only sweep), then `plan` removes the lowest across all layers.
extension HeadPrune: BlockwisePass {
    public func request(block l: Int, _ s: Skeleton) -> CalibrationStream.Request? {
        guard needsCalibration else { return nil }
        return .init(inputs: true, gram: reconstruction == .leastSquares ? ["attention.o"] : [], headScores: true)
    }

    public var plansGlobally: Bool { options.heads == nil && options.globalFraction != nil }

    public func scores(block: Block<Tensor>, index l: Int, statistics: ActivationStatistics?) throws(PassError) -> [Double] {
        guard let statistics else { throw .failed(pass: Self.name, reason: "no calibration statistics for blocks.\(l)") }
        switch options.score {
        case .contribution: return statistics.headScores[l]
        case .fluctuation: return Self.fluctuation(block.attention, try Self.outputInputs(statistics, layer: l))
        }
    }

    /// Original indices of the heads to remove per layer.
    public func plan(scores: [Int: [Double]], _ s: Skeleton) -> [Int: [Int]] {
        let layers = s.blocks.indices.map { scores[$0] ?? [] }
        return chooseByScore(layers, s.blocks.map(\.attention)).mapValues { $0.sorted() }
    }

    public func apply(to block: inout Block<Tensor>, index l: Int, statistics: ActivationStatistics?, decision: [Int]?,
                      context: PassContext) throws(PassError) -> BlockOutcome {
        var outcome = BlockOutcome(changed: false, counters: ["heads-removed": 0])
        if reconstruction != .none { outcome.counters["biases-added"] = 0 }
        let attention = block.attention
        var scored: [Double]?
        let removed: Set<Int>
        if let heads = options.heads {
            removed = explicitRemoval(heads, layer: l, attention)
        } else if let decision {
            scored = try scores(block: block, index: l, statistics: statistics)
            removed = Set(decision)
        } else {
            let s = try scores(block: block, index: l, statistics: statistics)
            scored = s
            removed = chooseByScore([s], [attention])[0] ?? []
        }
        if !removed.isEmpty {
            outcome.changed = true
            outcome.counters["heads-removed"] = removed.count
            var shrunk = shrink(attention, removing: removed) { t, rows, width in
                Self.rows(t, rows, width: width)
            } columns: { t, columns in
                Self.columns(t, columns)
            }
            if reconstruction != .none, let statistics {
                if attention.o.bias == nil { outcome.counters["biases-added"] = 1 }
                let kept = Self.keptColumns(attention, removing: removed)
                outcome.facts["widest"] = kept.count
                shrunk.o = try reconstruction.refit(attention.o, keeping: kept, inputs: try Self.outputInputs(statistics, layer: l),
                                                    damping: options.damping, pass: Self.name, at: .block(l, "attention.o"))
            }
            block.attention = shrunk
        }
        if let tokens = statistics?.inputs[.block(l, "attention.o")]?.rows { outcome.facts["tokens"] = tokens }
        if let scored {
            outcome.notes.append(Diagnostic(.note, at: "blocks.\(l).attention", "head scores (\(options.score.rawValue)) "
                + scored.map { String(format: "%.4g", $0) }.joined(separator: ", ") + "; kept \(block.attention.keptHeads)"))
        }
        return outcome
    }

    public func finish(_ outcomes: [BlockOutcome], elimination: inout EliminationProfile?, _ s: Skeleton,
                       context: PassContext) throws(PassError) -> PassResult {
        var notes = outcomes.flatMap(\.notes)
        let widest = outcomes.compactMap { $0.facts["widest"] }.max() ?? 0
        if reconstruction == .leastSquares, let tokens = outcomes.first?.facts["tokens"],
           let warning = Reconstruction.fewTokensWarning(pass: Self.name, tokens: tokens, widest: widest,
                                                         what: "W_O keeping up to \(widest) context columns") {
            notes.append(warning)
        }
        let counters = BlockOutcome.summed(outcomes)
        return PassResult(changed: counters["heads-removed", default: 0] > 0, counters: counters, diagnostics: notes)
    }
}
