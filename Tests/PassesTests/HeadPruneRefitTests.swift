import Foundation
import Testing
import Calibration
import ModelIR
import TensorCore
@testable import Passes

/// `head-prune`'s reconstruction of W_O (`none`, `bias`, `least-squares`) on the tiny BERT (d = 32,
/// 4 heads of d_h = 8 per layer). Oracles: the unpruned model's W_O inputs C [tokens, 32] on the
/// 116 calibration tokens of FFNPruneTests, from which the least-squares refit is recomputed
/// naively in Double (`RefitOracle`) and the reconstruction errors ‖C_K·W'ᵀ + b' − (C·Wᵀ + b)‖_F
/// are measured.
@Suite struct HeadPruneRefitTests {
    func context(_ samples: [[Int]] = FFNPruneTests.samples) -> PassContext {
        PassContext(calibration: CalibrationSet(samples: samples, source: "test", sha256: "", truncated: 0, available: samples.count))
    }

    /// The pass as a recipe step configures it (options decoded and validated).
    static func pass(_ text: String) throws -> HeadPrune {
        try HeadPrune.make(from: RecipeText.parse(text).steps[0], index: 0)
    }

    /// Checks, runs on a copy, verifies; with explicit `heads`, also `run(m).skeleton == effect(m.skeleton)`.
    func run(_ text: String, on before: Model, samples: [[Int]] = FFNPruneTests.samples) async throws -> (Model, PassResult) {
        let pass = try Self.pass(text)
        #expect(pass.check(before.skeleton).allSatisfy { $0.severity != .error })
        var m = before
        var s = m.skeleton
        pass.effect(on: &s)
        let result = try await pass.run(on: &m, context: context(samples))
        #expect(m.verify().isEmpty)
        if pass.options.heads != nil { #expect(m.skeleton == s, "effect differs from run for \(text)") }
        return (m, result)
    }

    /// The original context columns of the heads a pruned attention kept (the fixture starts with all).
    static func keptColumns(_ a: Attention<Tensor>) -> [Int] {
        a.keptHeads.flatMap { h in (h * a.headDim)..<((h + 1) * a.headDim) }
    }

    @Test(arguments: ["head-prune{fraction=0.5,reconstruction=least-squares}",
                      "head-prune{heads=[0:1,1:0,1:3],reconstruction=least-squares,damping=0.1}"])
    func leastSquaresRefitMatchesANaiveSolve(recipe: String) async throws {
        let before = try PruneOracle.tinyBERT()
        let inputs = try HeadPruneCompensationTests.outputInputs(before, samples: FFNPruneTests.samples)
        let (m, result) = try await run(recipe, on: before)
        #expect(result.counters["heads-removed"] == (recipe.contains("heads=") ? 3 : 4))
        for l in before.blocks.indices {
            let o = before.blocks[l].attention.o
            let naive = RefitOracle.leastSquares(inputs[l], weight: try PruneOracle.dense(o), bias: try #require(o.bias).floats(),
                                                 kept: Self.keptColumns(m.blocks[l].attention), damping: try Self.pass(recipe).options.damping)
            try RefitOracle.expect(m.blocks[l].attention.o, matches: naive, "layer \(l)")
        }
    }

    /// Per layer on the calibration tokens: least-squares ≤ bias ≤ none (bias's mean shift is the
    /// best constant, the refit the best affine map up to its damping), the same heads for all three.
    @Test(arguments: ["fraction=0.25", "fraction=0.5", "global-fraction=0.5", "heads=[0:0,0:2,1:1]"])
    func leastSquaresHasTheSmallestReconstructionErrorOnEveryLayer(heads: String) async throws {
        let before = try PruneOracle.tinyBERT()
        let inputs = try HeadPruneCompensationTests.outputInputs(before, samples: FFNPruneTests.samples)
        var errors: [Reconstruction: [Double]] = [:], kept: Set<[[Int]]> = []
        for reconstruction in [Reconstruction.none, .bias, .leastSquares] {
            let (m, result) = try await run("head-prune{\(heads),reconstruction=\(reconstruction.rawValue)}", on: before)
            #expect(result.changed)
            kept.insert(m.blocks.map(\.attention.keptHeads))
            errors[reconstruction] = try before.blocks.indices.map { l in
                let o = before.blocks[l].attention.o
                return FFNPruneTests.distance(try FFNPruneTests.outputs(m.blocks[l].attention.o, inputs[l], columns: Self.keptColumns(m.blocks[l].attention)),
                                              try FFNPruneTests.outputs(o, inputs[l], columns: Array(0..<o.inFeatures)))
            }
        }
        #expect(kept.count == 1)
        for l in before.blocks.indices where kept.first![l].count < 4 { // the layers that lost heads
            let none = errors[.none]![l], bias = errors[.bias]![l], ls = errors[.leastSquares]![l]
            #expect(ls <= bias && bias <= none, "\(heads) layer \(l): least-squares \(ls), bias \(bias), none \(none)")
            #expect(ls < 0.999 * bias, "\(heads) layer \(l): the refit gains nothing (\(ls) vs \(bias))")
        }
    }

    /// Same inputs → same bytes, whatever OpenBLAS's thread count outside the pass.
    @Test func sameBytesOnAnyThreadCount() async throws {
        let before = try PruneOracle.tinyBERT()
        for recipe in ["head-prune{fraction=0.5,reconstruction=least-squares}", "head-prune{global-fraction=0.4,reconstruction=least-squares,damping=0}"] {
            let runs = try await RefitOracle.bytesOnThreadCounts { try await run(recipe, on: before).0 }
            #expect(runs[0] == runs[1] && runs[1] == runs[2], "\(recipe)")
        }
    }

    @Test func aW_OWithoutABiasGetsOne() async throws {
        var before = try PruneOracle.tinyBERT()
        for l in before.blocks.indices { before.blocks[l].attention.o.bias = nil }
        let (m, result) = try await run("head-prune{heads=[1:0,1:3],reconstruction=least-squares}", on: before)
        #expect(result.counters == ["heads-removed": 2, "biases-added": 1])
        #expect(m.blocks[0].attention.o.bias == nil)
        let bias = try #require(m.blocks[1].attention.o.bias)
        #expect(bias.dtype == .f32 && bias.shape == [32])
    }

    /// The 3 samples of HeadPruneCompensationTests are 24 tokens: below 4 per kept column for
    /// the 24 a layer keeps after losing one head (96); FFNPruneTests' 116 are not.
    @Test func aRefitFromFewTokensWarns() async throws {
        let before = try PruneOracle.tinyBERT()
        let (_, few) = try await run("head-prune{heads=[0:1],reconstruction=least-squares}", on: before, samples: HeadPruneCompensationTests.samples)
        #expect(few.diagnostics.filter { $0.severity == .warning }.map(\.description) == [
            "head-prune: the least-squares refit saw 24 calibration tokens for W_O keeping up to 24 context columns and may fit them too closely; give at least 96 tokens (more --samples or a longer --calibration file), raise damping, or use reconstruction=bias",
        ])
        let (_, bias) = try await run("head-prune{heads=[0:1],reconstruction=bias}", on: before, samples: HeadPruneCompensationTests.samples)
        let (_, enough) = try await run("head-prune{heads=[0:1],reconstruction=least-squares}", on: before) // 116 tokens
        #expect(bias.diagnostics.isEmpty && enough.diagnostics.isEmpty)
    }

    // MARK: options

    @Test func theCanonicalStepSpellsTheReconstructionOut() throws {
        func canonical(_ text: String) throws -> String { try Self.pass(text).canonicalStep.description }
        #expect(try canonical("head-prune{global-fraction=0.1}") == "head-prune{damping=0.3,global-fraction=0.1,reconstruction=bias,score=contribution}")
        #expect(try canonical("head-prune{heads=[0:1],bias-compensation=false}") == "head-prune{damping=0.3,heads=[0:1],reconstruction=none,score=contribution}")
        #expect(try canonical("head-prune{fraction=0.25,bias-compensation=true}") == canonical("head-prune{fraction=0.25,reconstruction=bias}"))
        #expect(try canonical("head-prune{fraction=0.25,bias-compensation=true,reconstruction=least-squares,damping=0.1}")
            == "head-prune{damping=0.1,fraction=0.25,reconstruction=least-squares,score=contribution}")
        #expect(HeadPrune.defaultStep.description == "head-prune{damping=0.3,reconstruction=bias,score=contribution}")
        // The canonical text configures the same pass.
        let pass = try Self.pass("head-prune{heads=[0:1],bias-compensation=false}")
        #expect(try Self.pass(pass.canonicalStep.description).options == pass.options && !pass.needsCalibration)
        #expect(try Self.pass("head-prune{heads=[0:1],reconstruction=least-squares}").needsCalibration)
    }

    @Test func optionErrorsSayWhatToDo() throws {
        func error(_ text: String) -> String? {
            do { _ = try Self.pass(text); return nil } catch { return (error as? PassError)?.description }
        }
        #expect(error("head-prune{fraction=0.25,bias-compensation=false,reconstruction=least-squares}") == "recipe step 1 (head-prune): option 'bias-compensation' = false with reconstruction=least-squares is out of range; use reconstruction alone (bias-compensation is its older spelling: false is reconstruction=none, true is reconstruction=bias)")
        #expect(error("head-prune{fraction=0.25,bias-compensation=true,reconstruction=none}") == "recipe step 1 (head-prune): option 'bias-compensation' = true with reconstruction=none is out of range; use reconstruction alone (bias-compensation is its older spelling: false is reconstruction=none, true is reconstruction=bias)")
        #expect(error("head-prune{fraction=0.25,reconstruction=least-squares,damping=-1}") == "recipe step 1 (head-prune): option 'damping' = -1.0 is out of range; use a number ≥ 0 (a fraction of the mean diagonal of the kept activations' covariance; 0.01 is usual)")
        #expect(error("head-prune{fraction=0.25,reconstruction=refit}") == "recipe step 1 (head-prune): option 'reconstruction' must be one of none, bias, least-squares; fix its value in the recipe")
        #expect(error("head-prune{fraction=0.25,ratio=2}") == "recipe step 1 (head-prune): unknown option 'ratio'; its options are bias-compensation, damping, fraction, global-fraction, heads, reconstruction, score")
        // Built in code (`reconstruction` then wins over `bias-compensation`), invalid options fail at check.
        var options = HeadPrune.Options()
        options.fraction = 0.25
        options.damping = -1
        let pass = HeadPrune(options: options)
        #expect(pass.check(Skeleton(dense: .miniLM)).map(\.description) == [
            "option 'damping': -1.0 is out of range; use a number ≥ 0 (a fraction of the mean diagonal of the kept activations' covariance; 0.01 is usual)",
        ])
    }

    @Test func checkNotesWhatAnExplicitListReads() throws {
        let notes = try Self.pass("head-prune{heads=[0:1],reconstruction=least-squares}").check(Skeleton(dense: .miniLM)).map(\.description)
        #expect(notes == ["head-prune: the least-squares refit of W_O reads calibration text for the statistics of its inputs; set reconstruction=none to prune exactly like transformers' prune_heads, without calibration"])
        #expect(try Self.pass("head-prune{heads=[0:1],reconstruction=none}").check(Skeleton(dense: .miniLM)).isEmpty)
    }
}
