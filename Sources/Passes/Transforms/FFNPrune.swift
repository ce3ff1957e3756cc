import Calibration
import ModelIR
import TensorCore

/// `ffn-prune`: removes intermediate neurons of the selected MLPs and physically shrinks them,
/// so dense kernels realise the saving: up [n, d] loses rows (and bias entries), down [d, n]
/// columns, n → k. Which neurons: the lowest-scoring ⌊f·n⌋ of each MLP (`fraction`) or the
/// lowest ⌊g·N⌋ over all selected MLPs (`global-fraction`), scored on the calibration text
/// (`score`: FLAP's fluctuation Var(h_j)·‖W_down[:, j]‖² by default), each kept count rounded to
/// a multiple of `keep-multiple`. Ties go by index: among equal scores the lower index is removed
/// first (the lower (layer, index) globally).
///
/// down then makes up for the removed neurons (`reconstruction`, see `Reconstruction.refit`):
/// nothing, their mean output folded into b_down (FLAP), or, by default, a damped least-squares
/// refit of the kept columns on the calibration activations with the same mean correction. Scores and the
/// refit come from the calibration statistics (one BLAS thread), so the bytes do not depend on
/// the machine.
///
/// Block by block (`BlockwisePass`, below): `fraction` decides each MLP from its own block's
/// statistics; `global-fraction` is planned from per-layer scores that a statistics-only sweep
/// collects before any block changes.
public struct FFNPrune: Pass {
    public static let name = "ffn-prune"
    public static let summary = "Remove the lowest-scoring MLP neurons (per layer or globally), shrink up and down, and refit down (bias or least squares) on calibration text."
    public let options: Options
    public var needsCalibration: Bool { true }

    public init(options: Options) { self.options = options }

    public func check(_ s: Skeleton) -> [Diagnostic] {
        if let invalid = options.validationDiagnostic() { return [invalid] }
        let layers = selectedLayers(s)
        guard !layers.isEmpty else {
            return [Diagnostic(.error, at: options.select.pattern, "selects no MLP", hint: "use a glob over MLPs such as blocks.*.mlp or blocks.{0,1}.mlp")]
        }
        var found: [Diagnostic] = s.decoder == nil ? [] : [
            Diagnostic(.note, at: Self.name, "prunes the encoder's MLP neurons (blocks.*.mlp); the decoder's MLPs stay whole"),
        ]
        for l in layers {
            let mlp = s.blocks[l].mlp
            for (role, linear) in [("gate", mlp.gate), ("up", mlp.up), ("down", mlp.down)].compactMap({ r, l in l.map { (r, $0) } }) {
                guard case .dense = linear.weight else {
                    found.append(Diagnostic(.error, at: "blocks.\(l).mlp.\(role)", "\(Self.name) needs dense MLP weights but found \(linear.weight.kind)",
                                            hint: "move \(Self.name) before the pass that made it \(linear.weight.kind)"))
                    continue
                }
                if role == "down", let unsupported = options.reconstruction.unsupportedWeight(linear, role: role, at: "blocks.\(l).mlp.down", pass: Self.name) {
                    found.append(unsupported)
                }
            }
        }
        if options.globalFraction != nil {
            found.append(Diagnostic(.note, at: Self.name, "neurons are chosen across layers from calibration scores at compile time: plan shows the MLP widths unchanged, compile reports the widths kept"))
        }
        return found
    }

    /// Known for `fraction`: each selected MLP of n neurons keeps `keptCount(n, ⌊f·n⌋)`; a
    /// reconstructed down without a bias gets an f32 [d] one. With `global-fraction` the widths
    /// depend on the scores and the skeleton is left as it is.
    public func effect(on s: inout Skeleton) {
        guard let f = options.fraction else { return }
        for l in selectedLayers(s) {
            let mlp = s.blocks[l].mlp, n = mlp.up.outFeatures
            guard case .dense = mlp.up.weight, case .dense = mlp.down.weight else { continue }
            let k = Self.keptCount(n, removing: MagnitudePrune.zeroCount(f, of: n), multiple: options.keepMultiple)
            guard k < n else { continue }
            var down = mlp.down
            if options.reconstruction != .none && down.bias == nil { down.bias = TensorSpec(dtype: .f32, shape: [down.outFeatures]) }
            s.blocks[l].mlp = Self.shrink(MLP(up: mlp.up, down: down, gate: mlp.gate), keeping: Array(0..<k)) { t, rows, _ in
                TensorSpec(dtype: t.dtype, shape: Shape([rows.count] + t.shape.dims.dropFirst()))
            } columns: { t, columns in
                TensorSpec(dtype: t.dtype, shape: [t.shape[0], columns.count])
            }
        }
    }

    /// Indices of the blocks whose `blocks.<i>.mlp` the `select` glob matches.
    func selectedLayers<T>(_ s: ModelGraph<T>) -> [Int] {
        s.blocks.indices.filter { options.select.matches(.block($0, "mlp")) }
    }

    /// The MLP keeping only the neurons `kept` (ascending): rows of up's (and a gate's) weight and
    /// bias, columns of down's weight; `rows(t, kept rows, row width)` and `columns(t, kept columns)` do the
    /// tensor work for the payload type. Dense weights only.
    static func shrink<T>(_ mlp: MLP<T>, keeping kept: [Int], rows: (T, [Int], Int) -> T, columns: (T, [Int]) -> T) -> MLP<T> {
        guard case let .dense(w) = mlp.down.weight else { return mlp }
        func shrinkRows(_ l: Linear<T>) -> Linear<T> {
            guard case let .dense(u) = l.weight else { return l }
            return Linear(inFeatures: l.inFeatures, outFeatures: kept.count, weight: .dense(rows(u, kept, l.inFeatures)),
                          bias: l.bias.map { rows($0, kept, 1) }, activations: l.activations)
        }
        let down = Linear(inFeatures: kept.count, outFeatures: mlp.down.outFeatures, weight: .dense(columns(w, kept)), bias: mlp.down.bias,
                          activations: mlp.down.activations)
        return MLP(up: shrinkRows(mlp.up), down: down, gate: mlp.gate.map(shrinkRows))
    }
}

/// Block by block: each selected MLP reads the statistics of its down projection's input (with
/// their Gram matrix for the least-squares refit). `fraction` decides per block; with
/// `global-fraction` the layer-by-layer compile first sweeps every block for its scores (a
/// statistics-only sweep), then `plan` spends the budget across them.
extension FFNPrune: BlockwisePass {
    public func request(block l: Int, _ s: Skeleton) -> CalibrationStream.Request? {
        guard options.select.matches(.block(l, "mlp")) else { return nil }
        return .init(inputs: true, gram: options.reconstruction == .leastSquares ? ["mlp.down"] : [])
    }

    public var plansGlobally: Bool { options.globalFraction != nil }

    public func scores(block: Block<Tensor>, index l: Int, statistics: ActivationStatistics?) throws(PassError) -> [Double] {
        Self.scores(options.score, down: block.mlp.down, inputs: try downInputs(statistics, l))
    }

    public func plan(scores: [Int: [Double]], _ s: Skeleton) -> [Int: [Int]] {
        let layers = scores.keys.sorted()
        return Dictionary(uniqueKeysWithValues: zip(layers, chooseKept(layers.map { scores[$0]! })))
    }

    private func downInputs(_ statistics: ActivationStatistics?, _ l: Int) throws(PassError) -> InputStatistics {
        guard let input = statistics?.inputs[.block(l, "mlp.down")] else {
            throw .failed(pass: Self.name, reason: "no calibration statistics for blocks.\(l).mlp.down")
        }
        return input
    }

    public func apply(to block: inout Block<Tensor>, index l: Int, statistics: ActivationStatistics?, decision: [Int]?,
                      context: PassContext) throws(PassError) -> BlockOutcome {
        var outcome = BlockOutcome(changed: false, counters: ["neurons-removed": 0, "mlps-pruned": 0])
        if options.reconstruction != .none { outcome.counters["biases-added"] = 0 }
        guard options.select.matches(.block(l, "mlp")) else { return outcome }
        guard case .dense = block.mlp.up.weight, case .dense = block.mlp.down.weight else {
            throw .failed(pass: Self.name, reason: "blocks.\(l).mlp is not dense; run the pipeline's check first (it says how to fix the recipe)")
        }
        let inputs = try downInputs(statistics, l)
        let kept: [Int]
        if let decision { kept = decision } else { kept = chooseKept([try scores(block: block, index: l, statistics: statistics)])[0] }
        let mlp = block.mlp, n = mlp.up.outFeatures
        outcome.notes.append(Diagnostic(.note, at: "blocks.\(l).mlp", "kept \(kept.count) of \(n) neurons (\(options.score.rawValue) scores)"))
        outcome.facts = ["kept": kept.count, "tokens": inputs.rows]
        guard kept.count < n else { return outcome }
        outcome.changed = true
        outcome.counters["neurons-removed"] = n - kept.count
        outcome.counters["mlps-pruned"] = 1
        if options.reconstruction != .none && mlp.down.bias == nil { outcome.counters["biases-added"] = 1 }
        let down = try options.reconstruction.refit(mlp.down, keeping: kept, inputs: inputs, damping: options.damping,
                                                    pass: Self.name, at: .block(l, "mlp.down"))
        block.mlp = Self.shrink(mlp, keeping: kept) { t, rows, width in
            HeadPrune.rows(t, rows, width: width)
        } columns: { t, columns in
            HeadPrune.columns(t, columns)
        }
        block.mlp.down = down
        return outcome
    }

    public func finish(_ outcomes: [BlockOutcome], elimination: inout EliminationProfile?, _ s: Skeleton,
                       context: PassContext) throws(PassError) -> PassResult {
        var notes = outcomes.flatMap(\.notes)
        let counters = BlockOutcome.summed(outcomes), selected = outcomes.filter { $0.facts["kept"] != nil }
        if options.reconstruction == .leastSquares, counters["mlps-pruned", default: 0] > 0,
           let widest = selected.compactMap({ $0.facts["kept"] }).max(), let tokens = selected.first?.facts["tokens"],
           let warning = Reconstruction.fewTokensWarning(pass: Self.name, tokens: tokens, widest: widest, what: "MLPs keeping up to \(widest) neurons") {
            notes.append(warning)
        }
        return PassResult(changed: outcomes.contains { $0.changed }, counters: counters, diagnostics: notes)
    }
}
