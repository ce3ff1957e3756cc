import Foundation
import Testing
import Calibration
import ModelIR
import TensorCore
@testable import Passes

/// Oracle: Wanda's score f32(|W_ij|) · f32(‖X_j‖₂) recomputed here from
/// `ActivationStatistics.measure` on the same samples (its own test checks it against
/// transformers' hidden states), ranked by a full sort in (score, position) order.
@Suite struct MagnitudePruneWandaTests {
    /// Token ids in the tiny vocabulary ([CLS] = 2, [SEP] = 3), fixed.
    static let samples: [[Int]] = (0..<6).map { s in [2] + (0..<(9 + s)).map { (s * 31 + $0 * 17) % 190 + 5 } + [3] }

    func context() -> PassContext {
        PassContext(calibration: CalibrationSet(samples: Self.samples, source: "test", sha256: "", truncated: 0, available: Self.samples.count))
    }

    @Test func wandaNeedsCalibrationAndSaysSo() async throws {
        #expect(try PruneOracle.pass("magnitude-prune{score=wanda}").needsCalibration)
        #expect(try !PruneOracle.pass("magnitude-prune").needsCalibration)
        var m = try PruneOracle.tinyBERT()
        await #expect(throws: PassError.failed(pass: "magnitude-prune", reason: "needs calibration samples; pass --calibration FILE (the default corpus is used when none is given)")) {
            try await PruneOracle.run("magnitude-prune{score=wanda}", on: &m)
        }
    }

    /// Units as the options define them: which weights compete, and how many each loses.
    @Test(arguments: [
        "magnitude-prune{score=wanda}",
        "magnitude-prune{score=wanda,scope=per-output,sparsity=0.3}",
        "magnitude-prune{score=wanda,scope=global}",
        "magnitude-prune{score=wanda,pattern=2:4,select=blocks.*.{attention,mlp}.{q,k,v,o,up}}",
    ])
    func keptSetIsTheTopOfWandasScore(recipe: String) async throws {
        let original = try PruneOracle.tinyBERT()
        let pass = try PruneOracle.pass(recipe)
        let statistics = try ActivationStatistics.measure(original, samples: Self.samples)
        let paths = original.linearPaths(matching: pass.options.select)
        // (unit, score, linear, flat) for every weight; unit ids per the scope / pattern.
        var weights: [(unit: Int, score: Float, linear: Int, flat: Int)] = []
        for (l, path) in paths.enumerated() {
            let linear = try #require(original.linear(at: path))
            let w = try PruneOracle.dense(linear), norms = try #require(statistics.inputs[path]).norms.map { Float($0) }
            for (flat, value) in w.enumerated() {
                let unit = switch (pass.options.pattern, pass.options.scope) {
                case (.twoOfFour, _): l << 32 | flat / 4
                case (_, .perOutput): l << 32 | flat / linear.inFeatures
                case (_, .global): 0
                default: l << 32
                }
                weights.append((unit, abs(value) * norms[flat % linear.inFeatures], l, flat))
            }
        }
        var expected = Set<[Int]>()
        for (_, members) in Dictionary(grouping: weights, by: \.unit) {
            let k = pass.options.pattern == .twoOfFour ? 2 : Int((pass.options.sparsity * Double(members.count)).rounded(.down))
            let ranked = members.sorted { ($0.score, $0.linear, $0.flat) < ($1.score, $1.linear, $1.flat) }
            expected.formUnion(ranked.prefix(k).map { [$0.linear, $0.flat] })
        }
        var m = original
        _ = try await PruneOracle.run(recipe, on: &m, context: context())
        var pruned = Set<[Int]>()
        for (l, path) in paths.enumerated() {
            pruned.formUnion(try PruneOracle.pruned(try #require(m.linear(at: path))).map { [l, $0] })
        }
        #expect(pruned == expected)
        #expect(m.verify().isEmpty)
        // The norms matter: plain magnitude picks a different set.
        var magnitude = original
        _ = try await PruneOracle.run(recipe.replacingOccurrences(of: "score=wanda", with: "score=magnitude"), on: &magnitude)
        #expect(try paths.contains { try PruneOracle.pruned(m.linear(at: $0)!) != PruneOracle.pruned(magnitude.linear(at: $0)!) })
    }

    /// A hand-made case: the embedding LayerNorm's γ makes input feature 0 of block 0 loud
    /// (×100) and feature 1 quiet (×0.01). Each row of blocks.0.attention.q starts with
    /// [0.1, 1, 0.5, 0.5]: by magnitude 2:4 keeps columns 1 and 3; by Wanda column 0, never 1.
    @Test func activationNormsFlipTheChoice() async throws {
        var original = try PruneOracle.tinyBERT()
        var gamma = try #require(original.embeddings.norm).weight.floats()
        gamma[0] = 100
        gamma[1] = 0.01
        original.embeddings.norm!.weight = Tensor(gamma, shape: [32])
        var w = try PruneOracle.dense(try #require(original.linear(at: "blocks.0.attention.q")))
        for o in 0..<32 { w.replaceSubrange((o * 32)..<(o * 32 + 4), with: [0.1, 1, 0.5, 0.5] as [Float]) }
        PruneOracle.setWeight(&original, "blocks.0.attention.q", w)

        var byMagnitude = original, byWanda = original
        _ = try await PruneOracle.run("magnitude-prune{pattern=2:4,select=blocks.0.attention.q}", on: &byMagnitude)
        _ = try await PruneOracle.run("magnitude-prune{pattern=2:4,score=wanda,select=blocks.0.attention.q}", on: &byWanda, context: context())
        let magnitudePruned = try PruneOracle.pruned(byMagnitude.linear(at: "blocks.0.attention.q")!)
        let wandaPruned = try PruneOracle.pruned(byWanda.linear(at: "blocks.0.attention.q")!)
        for o in 0..<32 {
            #expect(Set(magnitudePruned.filter { $0 / 4 == o * 8 }) == [o * 32, o * 32 + 2], "row \(o): 0.1 and the first 0.5 (tie, lower column)")
            #expect(!wandaPruned.contains(o * 32) && wandaPruned.contains(o * 32 + 1), "row \(o)")
        }
    }
}
