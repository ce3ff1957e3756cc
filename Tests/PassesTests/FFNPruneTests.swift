import Foundation
import Testing
import Calibration
import Kernels
import HuggingFace
import ModelIR
import Runtime
import TensorCore
@testable import Passes

/// `ffn-prune` on the tiny BERT (d = 32, n = 37 neurons per MLP) and tiny GPT-2 (n = 128).
/// Oracles: the unpruned model's down inputs H [tokens, n] captured on the calibration samples,
/// from which scores, mean outputs, reconstruction errors and the least-squares refit are
/// recomputed naively in Double; and the unpruned model with the removed neurons' up rows zeroed.
@Suite struct FFNPruneTests {
    /// Token ids in the tiny vocabularies ([CLS] = 2, [SEP] = 3), fixed: 116 tokens.
    static let samples: [[Int]] = (0..<8).map { s in [2] + (0..<(9 + s)).map { (s * 31 + $0 * 17) % 190 + 5 } + [3] }
    /// Held-out ids for comparing hidden states.
    static let heldOut: [[Int]] = [[2, 44, 18, 150, 7, 99, 3], [2, 5, 6, 170, 33, 3]]

    func context() -> PassContext {
        PassContext(calibration: CalibrationSet(samples: Self.samples, source: "test", sha256: "", truncated: 0, available: Self.samples.count))
    }

    static func tinyGPT2() throws -> Model { try ModelImporter.model(directory: PruneOracle.fixtures + "/tiny-gpt2").graph }

    /// The pass as a recipe step configures it (options decoded and validated).
    static func pass(_ text: String) throws -> FFNPrune {
        try FFNPrune.make(from: RecipeText.parse(text).steps[0], index: 0)
    }

    /// Checks, runs on a copy, verifies; with `fraction`, also `run(m).skeleton == effect(m.skeleton)`.
    func run(_ text: String, on before: Model) async throws -> (Model, PassResult) {
        let pass = try Self.pass(text)
        #expect(pass.check(before.skeleton).allSatisfy { $0.severity != .error })
        var m = before
        var s = m.skeleton
        pass.effect(on: &s)
        let result = try await pass.run(on: &m, context: context())
        #expect(m.verify().isEmpty)
        if pass.options.fraction != nil { #expect(m.skeleton == s, "effect differs from run for \(text)") }
        return (m, result)
    }

    /// Per block, the rows of H (down's input, after the activation) over every calibration token.
    static func downInputs(_ m: Model) throws -> [[[Float]]] {
        var rows = m.blocks.map { _ in [[Float]]() }
        let observe: LinearInputObserver = { l, which, x, width in
            guard which == .down else { return }
            for t in 0..<(x.count / width) { rows[l].append(Array(x[(t * width)..<((t + 1) * width)])) }
        }
        if m.config.causal { _ = try PreparedModel(m).decode(TokenBatch(ids: samples), inputs: observe) } else {
            _ = try PreparedModel(m).encode(TokenBatch(ids: samples), inputs: observe)
        }
        return rows
    }

    /// Which original neurons a pruned up kept: the original row each pruned row equals bit for bit.
    static func keptNeurons(original: Linear<Tensor>, pruned: Linear<Tensor>) throws -> [Int] {
        let a = try PruneOracle.dense(original), b = try PruneOracle.dense(pruned), d = original.inFeatures
        return try (0..<pruned.outFeatures).map { r in
            let row = b[(r * d)..<((r + 1) * d)].map(\.bitPattern)
            return try #require((0..<original.outFeatures).first { a[($0 * d)..<(($0 + 1) * d)].map(\.bitPattern) == row })
        }
    }

    /// y[t] = H[t, cols]·Wᵀ + b for every token t, in Double, W [d, cols.count].
    static func outputs(_ down: Linear<Tensor>, _ h: [[Float]], columns cols: [Int]) throws -> [[Double]] {
        let w = try PruneOracle.dense(down), b = down.bias?.floats() ?? [Float](repeating: 0, count: down.outFeatures), k = down.inFeatures
        #expect(cols.count == k)
        return h.map { x in
            (0..<down.outFeatures).map { o in cols.indices.reduce(Double(b[o])) { $0 + Double(w[o * k + $1]) * Double(x[cols[$1]]) } }
        }
    }

    /// ‖Ŷ − Y‖_F over the tokens.
    static func distance(_ a: [[Double]], _ b: [[Double]]) -> Double {
        zip(a, b).reduce(0) { s, p in zip(p.0, p.1).reduce(s) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } }.squareRoot()
    }

    // MARK: selection

    @Test(arguments: [FFNPrune.Score.fluctuation, .magnitude])
    func selectionMatchesANaiveRecomputationOfTheScores(score: FFNPrune.Score) async throws {
        let before = try PruneOracle.tinyBERT()
        let inputs = try Self.downInputs(before)
        let (m, result) = try await run("ffn-prune{fraction=0.25,keep-multiple=1,reconstruction=none,score=\(score.rawValue)}", on: before)
        #expect(result.counters == ["neurons-removed": 18, "mlps-pruned": 2])
        let statistics = try ActivationStatistics.measure(before, samples: Self.samples)
        for l in before.blocks.indices {
            let down = before.blocks[l].mlp.down, w = try PruneOracle.dense(down), h = inputs[l], n = down.inFeatures, t = Double(h.count)
            let naive = (0..<n).map { j in
                let mean = h.reduce(0) { $0 + Double($1[j]) } / t
                let norm2 = (0..<down.outFeatures).reduce(0) { $0 + Double(w[$1 * n + j]) * Double(w[$1 * n + j]) }
                switch score {
                case .fluctuation: return h.reduce(0) { $0 + (Double($1[j]) - mean) * (Double($1[j]) - mean) } / t * norm2
                case .magnitude: return h.reduce(0) { $0 + abs(Double($1[j])) } / t * norm2.squareRoot()
                }
            }
            // Oracle 1: the scores, relative 1e-5 (Var from Σx² − (Σx)²/t in Double of f32 inputs).
            let scores = FFNPrune.scores(score, down: down, inputs: try #require(statistics.inputs[.block(l, "mlp.down")]))
            #expect(zip(scores, naive).allSatisfy { abs($0 - $1) <= 1e-5 * $1 + 1e-12 }, "block \(l): \(scores) vs \(naive)")
            #expect(Set(naive).count == n, "distinct scores, so the kept set does not hang on ties")
            // Oracle 2: the kept set is all but the ⌊0.25·37⌋ = 9 lowest naive scores, exactly.
            let lowest = Set((0..<n).sorted { (naive[$0], $0) < (naive[$1], $1) }.prefix(9))
            let kept = try Self.keptNeurons(original: before.blocks[l].mlp.up, pruned: m.blocks[l].mlp.up)
            #expect(kept == (0..<n).filter { !lowest.contains($0) })
        }
    }

    @Test func globalFractionRemovesTheLowestScoresOverAllLayers() async throws {
        let before = try PruneOracle.tinyBERT()
        let (m, result) = try await run("ffn-prune{global-fraction=0.5,keep-multiple=1,reconstruction=none}", on: before)
        let statistics = try ActivationStatistics.measure(before, samples: Self.samples)
        let scores = try before.blocks.indices.map { l in
            FFNPrune.scores(.fluctuation, down: before.blocks[l].mlp.down, inputs: try #require(statistics.inputs[.block(l, "mlp.down")]))
        }
        let all = scores.indices.flatMap { l in scores[l].indices.map { (scores[l][$0], l, $0) } }.sorted { ($0.0, $0.1, $0.2) < ($1.0, $1.1, $1.2) }
        let removed = all.prefix(37) // ⌊0.5 · 74⌋
        #expect(result.counters["neurons-removed"] == 37)
        for l in before.blocks.indices {
            let kept = try Self.keptNeurons(original: before.blocks[l].mlp.up, pruned: m.blocks[l].mlp.up)
            #expect(kept == (0..<37).filter { j in !removed.contains { $0.1 == l && $0.2 == j } })
        }
        _ = try PreparedModel(m).encode(TokenBatch(ids: Self.heldOut))
    }

    // MARK: reconstruction

    /// Oracle: the unpruned model with the removed neurons' up rows and up-bias entries zeroed
    /// (GELU(0) = 0, so they contribute nothing), run by the same runtime: hidden states ≤ 1e-5.
    @Test(arguments: ["tiny-bert", "tiny-gpt2"])
    func withoutReconstructionThePrunedModelIsTheZeroedModel(fixture: String) async throws {
        let before = fixture == "tiny-bert" ? try PruneOracle.tinyBERT() : try Self.tinyGPT2()
        let (m, result) = try await run("ffn-prune{fraction=0.5,reconstruction=none}", on: before)
        let n = before.blocks[0].mlp.up.outFeatures, k = fixture == "tiny-bert" ? 16 : 64
        #expect(result.counters == ["neurons-removed": 2 * (n - k), "mlps-pruned": 2])
        var zeroed = before
        for l in before.blocks.indices {
            #expect(m.blocks[l].mlp.up.outFeatures == k && m.blocks[l].mlp.down.inFeatures == k)
            let kept = Set(try Self.keptNeurons(original: before.blocks[l].mlp.up, pruned: m.blocks[l].mlp.up))
            var w = try PruneOracle.dense(before.blocks[l].mlp.up), b = try #require(before.blocks[l].mlp.up.bias).floats()
            let d = before.blocks[l].mlp.up.inFeatures
            for j in 0..<n where !kept.contains(j) {
                b[j] = 0
                for i in 0..<d { w[j * d + i] = 0 }
            }
            zeroed.blocks[l].mlp.up.weight = .dense(Tensor(w, shape: [n, d], dtype: .f32))
            zeroed.blocks[l].mlp.up.bias = Tensor(b, shape: [n], dtype: .f32)
        }
        let ids = TokenBatch(ids: Self.heldOut)
        let (a, z): ([Float], [Float]) = before.config.causal
            ? (try PreparedModel(m).decode(ids).lastHidden, try PreparedModel(zeroed).decode(ids).lastHidden)
            : (try PreparedModel(m).encode(ids).lastHidden, try PreparedModel(zeroed).encode(ids).lastHidden)
        let diff = zip(a, z).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }
        #expect(a.count == z.count && diff <= 1e-5, "max |Δ| \(diff)")
        // The oracle can tell: the original model differs.
        let original = before.config.causal ? try PreparedModel(before).decode(ids).lastHidden : try PreparedModel(before).encode(ids).lastHidden
        #expect(zip(a, original).contains { abs($0 - $1) > 1e-3 })
    }

    /// Oracle: E_t[H·Wᵀ + b] of the unpruned down against E_t[H_K·W'ᵀ + b'] on the same H
    /// (the unpruned model's), ≤ 1e-4 per output; without reconstruction it moves.
    @Test func biasKeepsTheMeanMLPOutput() async throws {
        let before = try PruneOracle.tinyBERT()
        let inputs = try Self.downInputs(before)
        for reconstruction in ["bias", "least-squares", "none"] {
            let (m, result) = try await run("ffn-prune{fraction=0.5,keep-multiple=1,reconstruction=\(reconstruction)}", on: before)
            #expect(result.counters["biases-added"] == (reconstruction == "none" ? nil : 0))
            var shift = 0.0
            for l in before.blocks.indices {
                let kept = try Self.keptNeurons(original: before.blocks[l].mlp.up, pruned: m.blocks[l].mlp.up)
                let full = try Self.outputs(before.blocks[l].mlp.down, inputs[l], columns: Array(0..<37))
                let pruned = try Self.outputs(m.blocks[l].mlp.down, inputs[l], columns: kept)
                for o in 0..<32 {
                    let t = Double(full.count)
                    shift = max(shift, abs(full.reduce(0) { $0 + $1[o] } / t - pruned.reduce(0) { $0 + $1[o] } / t))
                }
            }
            if reconstruction == "none" { #expect(shift > 1e-3) } else { #expect(shift <= 1e-4, "\(reconstruction): mean shift \(shift)") }
        }
    }

    /// Oracle: ‖H_K·W'ᵀ + b' − (H·Wᵀ + b)‖_F on the unpruned model's calibration activations, per
    /// layer: least-squares ≤ bias ≤ none (bias's mean shift is the best constant, the refit the
    /// best affine map up to its damping); the same kept neurons for all three.
    @Test func leastSquaresHasTheSmallestReconstructionErrorOnEveryLayer() async throws {
        let before = try PruneOracle.tinyBERT()
        let inputs = try Self.downInputs(before)
        for fraction in [0.25, 0.5] {
            var errors: [String: [Double]] = [:], keptSets: [[[Int]]] = []
            for reconstruction in ["none", "bias", "least-squares"] {
                let (m, _) = try await run("ffn-prune{fraction=\(fraction),keep-multiple=1,reconstruction=\(reconstruction)}", on: before)
                var perLayer: [Double] = []
                var kepts: [[Int]] = []
                for l in before.blocks.indices {
                    let kept = try Self.keptNeurons(original: before.blocks[l].mlp.up, pruned: m.blocks[l].mlp.up)
                    kepts.append(kept)
                    perLayer.append(Self.distance(try Self.outputs(m.blocks[l].mlp.down, inputs[l], columns: kept),
                                                  try Self.outputs(before.blocks[l].mlp.down, inputs[l], columns: Array(0..<37))))
                }
                errors[reconstruction] = perLayer
                keptSets.append(kepts)
            }
            print("ffn-prune fraction \(fraction) reconstruction error per layer:", errors.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.map { String(format: "%.4f", $0) })" })
            #expect(Set(keptSets.map { $0.description }).count == 1)
            for l in before.blocks.indices {
                let none = errors["none"]![l], bias = errors["bias"]![l], ls = errors["least-squares"]![l]
                #expect(ls <= bias && bias <= none, "layer \(l): least-squares \(ls), bias \(bias), none \(none)")
            }
        }
    }

    /// Oracle: the refit recomputed naively in Double from H (`RefitOracle.leastSquares`);
    /// relative 1e-3 (the pass accumulates HᵀH in f32).
    @Test func leastSquaresRefitMatchesANaiveSolve() async throws {
        let before = try PruneOracle.tinyBERT()
        let inputs = try Self.downInputs(before)
        let (m, _) = try await run("ffn-prune{fraction=0.5,keep-multiple=1}", on: before)
        for l in before.blocks.indices {
            let down = before.blocks[l].mlp.down
            let kept = try Self.keptNeurons(original: before.blocks[l].mlp.up, pruned: m.blocks[l].mlp.up)
            let naive = RefitOracle.leastSquares(inputs[l], weight: try PruneOracle.dense(down), bias: try #require(down.bias).floats(), kept: kept)
            try RefitOracle.expect(m.blocks[l].mlp.down, matches: naive, "layer \(l)")
        }
    }

    // MARK: structure

    @Test(arguments: [
        "ffn-prune{fraction=0.25}", "ffn-prune{fraction=0.5,reconstruction=none}", "ffn-prune{fraction=0}",
        "ffn-prune{fraction=0.3,keep-multiple=1,reconstruction=bias,select=blocks.1.mlp}",
        "ffn-prune{fraction=0.9,keep-multiple=8,score=magnitude}",
    ])
    func effectIsRunsSkeleton(recipe: String) async throws {
        for fixture in [try PruneOracle.tinyBERT(), try Self.tinyGPT2()] {
            var before = fixture
            _ = try await run(recipe, on: before) // checks run(m).skeleton == effect(m.skeleton)
            for l in before.blocks.indices { before.blocks[l].mlp.down.bias = nil }
            let (m, result) = try await run(recipe, on: before)
            #expect(result.changed == (recipe != "ffn-prune{fraction=0}"))
            let pass = try Self.pass(recipe)
            if pass.options.reconstruction != .none {
                #expect(result.counters["biases-added"] == result.counters["mlps-pruned"])
                #expect(m.blocks.filter { $0.mlp.down.bias != nil }.count == result.counters["mlps-pruned"])
            }
        }
    }

    @Test func keptCountsRoundToTheMultiple() {
        #expect(FFNPrune.keptCount(37, removing: 9, multiple: 16) == 32) // 28 → 32
        #expect(FFNPrune.keptCount(37, removing: 18, multiple: 16) == 16) // 19 → 16
        #expect(FFNPrune.keptCount(37, removing: 33, multiple: 16) == 16) // at least one multiple
        #expect(FFNPrune.keptCount(37, removing: 0, multiple: 16) == 37) // nothing removed
        #expect(FFNPrune.keptCount(1536, removing: 384, multiple: 16) == 1152)
        #expect(FFNPrune.keptCount(10, removing: 4, multiple: 16) == 6) // no multiple fits
        #expect(FFNPrune.keptCount(10, removing: 10, multiple: 16) == 1)
        #expect(FFNPrune.keptCount(37, removing: 9, multiple: 1) == 28)
    }

    @Test func prunedModelSavesTheFLOPsAndParametersOfTheRemovedNeurons() async throws {
        let before = try PruneOracle.tinyBERT()
        let (m, _) = try await run("ffn-prune{fraction=0.5,reconstruction=none}", on: before)
        // 21 neurons per layer: a row of up (32 + 1 bias) and a column of down (32).
        #expect(before.parameterCount - m.parameterCount == 2 * 21 * (32 + 1 + 32))
        let full = CostModel.flops(before.blocks[0], hiddenSize: 32, tokensIn: 16, tokensOut: 16)
        let pruned = CostModel.flops(m.blocks[0], hiddenSize: 32, tokensIn: 16, tokensOut: 16)
        #expect(full.mlp - pruned.mlp == 21 * (2 * 16 * 32 + 16 + 8 * 16 + 2 * 16 * 32))
    }

    /// Same inputs → same bytes, whatever OpenBLAS's thread count outside the pass.
    @Test func sameBytesOnAnyThreadCount() async throws {
        let before = try PruneOracle.tinyBERT()
        for recipe in ["ffn-prune{fraction=0.25}", "ffn-prune{global-fraction=0.4,keep-multiple=4,score=magnitude,reconstruction=bias}"] {
            let runs = try await RefitOracle.bytesOnThreadCounts { try await run(recipe, on: before).0 }
            #expect(runs[0] == runs[1] && runs[1] == runs[2], "\(recipe)")
        }
    }

    // MARK: options and check

    @Test func optionErrorsSayWhatToDo() throws {
        func error(_ text: String) -> String? {
            do { _ = try Self.pass(text); return nil } catch { return (error as? PassError)?.description }
        }
        #expect(error("ffn-prune") == "recipe step 1 (ffn-prune): option 'fraction' = neither of fraction, global-fraction is out of range; use exactly one of them: fraction (per MLP) or global-fraction (across the selected MLPs)")
        #expect(error("ffn-prune{fraction=0.25,global-fraction=0.25}") == "recipe step 1 (ffn-prune): option 'fraction' = both fraction and global-fraction is out of range; use exactly one of them: fraction (per MLP) or global-fraction (across the selected MLPs)")
        #expect(error("ffn-prune{fraction=1}") == "recipe step 1 (ffn-prune): option 'fraction' = 1.0 is out of range; use a number in [0, 1)")
        #expect(error("ffn-prune{global-fraction=-0.1}") == "recipe step 1 (ffn-prune): option 'global-fraction' = -0.1 is out of range; use a number in [0, 1)")
        #expect(error("ffn-prune{fraction=0.25,keep-multiple=0}")?.hasPrefix("recipe step 1 (ffn-prune): option 'keep-multiple' = 0 is out of range; use an integer ≥ 1") == true)
        #expect(error("ffn-prune{fraction=0.25,damping=-1}")?.hasPrefix("recipe step 1 (ffn-prune): option 'damping' = -1.0 is out of range; use a number ≥ 0") == true)
        #expect(error("ffn-prune{fraction=0.25,score=variance}") == "recipe step 1 (ffn-prune): option 'score' must be one of fluctuation, magnitude; fix its value in the recipe")
        #expect(error("ffn-prune{fraction=0.25,reconstruction=refit}") == "recipe step 1 (ffn-prune): option 'reconstruction' must be one of none, bias, least-squares; fix its value in the recipe")
        #expect(error("ffn-prune{fraction=0.25,ratio=2}") == "recipe step 1 (ffn-prune): unknown option 'ratio'; its options are damping, fraction, global-fraction, keep-multiple, reconstruction, score, select")
        let pass = try Self.pass("ffn-prune{fraction=0.25}")
        #expect(pass.needsCalibration)
        #expect(pass.options.score == .fluctuation && pass.options.reconstruction == .leastSquares && pass.options.damping == 0.01
            && pass.options.keepMultiple == 16 && pass.options.select == "blocks.*.mlp")
    }

    @Test func checkExplainsAWrongOrderAndAnEmptySelection() throws {
        let pipeline = try Pipeline(recipe: RecipeText.parse("svd-lowrank{rank=8,select=blocks.0.mlp.down},ffn-prune{fraction=0.25}"))
        let errors = pipeline.check(Skeleton(dense: .miniLM)).diagnostics.filter { $0.severity == .error }
        #expect(errors.map(\.description) == [
            "step 2 (ffn-prune): blocks.0.mlp.down: ffn-prune needs dense MLP weights but found low-rank; move ffn-prune before the pass that made it low-rank",
        ])
        let fixed = try Pipeline(recipe: RecipeText.parse("ffn-prune{fraction=0.25},svd-lowrank{rank=8,select=blocks.0.mlp.down}"))
        #expect(fixed.check(Skeleton(dense: .miniLM)).diagnostics.allSatisfy { $0.severity != .error })
        let none = try Self.pass("ffn-prune{fraction=0.25,select=blocks.9.mlp}").check(Skeleton(dense: .miniLM))
        #expect(none.map(\.description) == ["blocks.9.mlp: selects no MLP; use a glob over MLPs such as blocks.*.mlp or blocks.{0,1}.mlp"])
        let global = try Self.pass("ffn-prune{global-fraction=0.25}").check(Skeleton(dense: .miniLM))
        #expect(global.map(\.severity) == [.note])
    }

    /// 116 calibration tokens: below 4 per kept neuron for 32 kept (128), not for 28 (112).
    @Test func aRefitFromFewTokensWarns() async throws {
        let before = try PruneOracle.tinyBERT()
        let (_, few) = try await run("ffn-prune{fraction=0.25}", on: before)
        #expect(few.diagnostics.filter { $0.severity == .warning }.map(\.description) == [
            "ffn-prune: the least-squares refit saw 116 calibration tokens for MLPs keeping up to 32 neurons and may fit them too closely; give at least 128 tokens (more --samples or a longer --calibration file), raise damping, or use reconstruction=bias",
        ])
        for recipe in ["ffn-prune{fraction=0.25,keep-multiple=1}", "ffn-prune{fraction=0.25,reconstruction=bias}"] {
            let (_, result) = try await run(recipe, on: before)
            #expect(result.diagnostics.allSatisfy { $0.severity == .note }, "\(recipe)")
        }
    }

    @Test func withoutCalibrationItSaysSo() async throws {
        var m = try PruneOracle.tinyBERT()
        await #expect(throws: PassError.failed(pass: "ffn-prune", reason: "needs calibration samples; pass --calibration FILE (the default corpus is used when none is given)")) {
            _ = try await Self.pass("ffn-prune{fraction=0.25}").run(on: &m, context: PassContext())
        }
    }
}
