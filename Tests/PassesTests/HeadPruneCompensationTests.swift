import Foundation
import Testing
import Calibration
import ModelIR
import Runtime
import TensorCore
@testable import Passes

/// FLAP's bias compensation and fluctuation scores on the tiny BERT. Oracles: the unpruned
/// model's W_O inputs C [tokens, in] captured on the calibration samples, from which the mean
/// W_O output and the per-column variances are recomputed naively (two passes, in Double).
@Suite struct HeadPruneCompensationTests {
    static let samples = [[2, 17, 45, 80, 9, 33, 61, 3], [2, 99, 5, 150, 151, 20, 3], [2, 7, 8, 120, 64, 64, 31, 77, 3]]
    let context = PassContext(calibration: CalibrationSet(samples: Self.samples, source: "t", sha256: "", truncated: 0, available: 3))

    /// Per block, the rows of C (W_O's input) of the unpruned model over every token of `samples`.
    static func outputInputs(_ m: Model, samples: [[Int]] = Self.samples) throws -> [[[Float]]] {
        var rows = m.blocks.map { _ in [[Float]]() }
        _ = try PreparedModel(m).encode(TokenBatch(ids: samples), inputs: { l, which, x, width in
            guard which == .output else { return }
            for t in 0..<(x.count / width) { rows[l].append(Array(x[(t * width)..<((t + 1) * width)])) }
        })
        return rows
    }

    /// E_t[C[t, cols]·Wᵀ + b] [d], W = W_O [d, in] restricted to the input columns `cols`.
    static func meanOutput(_ o: Linear<Tensor>, _ c: [[Float]], columns cols: [Int]) throws -> [Double] {
        let w = try PruneOracle.dense(o), b = o.bias?.floats() ?? [Float](repeating: 0, count: o.outFeatures)
        #expect(cols.count == o.inFeatures)
        return (0..<o.outFeatures).map { row in
            c.reduce(Double(b[row])) { s, x in
                s + cols.indices.reduce(0) { $0 + Double(w[row * o.inFeatures + $1]) * Double(x[cols[$1]]) } / Double(c.count)
            }
        }
    }

    /// max over blocks and outputs of |E_t[y] − E_t[ŷ]|: the mean W_O output of `pruned` against
    /// that of `before`, both on the unpruned model's inputs.
    static func meanShift(_ before: Model, _ pruned: Model) throws -> Double {
        let inputs = try outputInputs(before)
        return try pruned.blocks.indices.map { l in
            let a = pruned.blocks[l].attention, dh = a.headDim, o = before.blocks[l].attention.o
            let full = try meanOutput(o, inputs[l], columns: Array(0..<o.inFeatures))
            let kept = try meanOutput(a.o, inputs[l], columns: a.keptHeads.flatMap { h in (h * dh)..<((h + 1) * dh) })
            return zip(full, kept).map { abs($0 - $1) }.max()!
        }.max()!
    }

    /// Runs `pass` on a copy of `before`, checking `effect` against it for explicit heads.
    func run(_ pass: HeadPrune, on before: Model) async throws -> Model {
        var m = before
        var s = m.skeleton
        pass.effect(on: &s)
        _ = try await pass.run(on: &m, context: context)
        #expect(m.verify().isEmpty)
        if pass.options.heads != nil { #expect(m.skeleton == s) }
        return m
    }

    @Test(arguments: [["0:1", "0:3", "1:2"], nil])
    func compensationKeepsTheMeanOutputOfW_O(heads: [String]?) async throws {
        let before = try PruneOracle.tinyBERT()
        let m = try await run(try HeadPruneTests.pass { $0.heads = heads; $0.fraction = heads == nil ? 0.5 : nil }, on: before)
        #expect(m.blocks.map(\.attention.keptHeads.count) == (heads == nil ? [2, 2] : [2, 3]))
        #expect(m.blocks.allSatisfy { $0.attention.o.bias?.dtype == .f32 })
        #expect(try Self.meanShift(before, m) <= 1e-4)
        // The oracle can tell: without compensation the means move.
        let plain = try await run(try HeadPruneTests.pass { $0.heads = heads; $0.fraction = heads == nil ? 0.5 : nil; $0.biasCompensation = false }, on: before)
        #expect(try Self.meanShift(before, plain) > 1e-2)
    }

    @Test func aW_OWithoutABiasGetsOne() async throws {
        var before = try PruneOracle.tinyBERT()
        for l in before.blocks.indices { before.blocks[l].attention.o.bias = nil }
        var m = before
        let pass = try HeadPruneTests.pass { $0.heads = ["1:0", "1:3"] }
        var s = m.skeleton
        pass.effect(on: &s)
        let result = try await pass.run(on: &m, context: context)
        #expect(m.skeleton == s && m.verify().isEmpty)
        #expect(result.counters == ["heads-removed": 2, "biases-added": 1])
        #expect(try Self.meanShift(before, m) <= 1e-4)
        #expect(m.blocks[0].attention.o.bias == nil)
        let bias = try #require(m.blocks[1].attention.o.bias)
        #expect(bias.dtype == .f32 && bias.shape == [32])
    }

    @Test func fluctuationScoresMatchANaiveRecomputation() async throws {
        var m = try PruneOracle.tinyBERT()
        let inputs = try Self.outputInputs(m)
        let statistics = try ActivationStatistics.measure(m, samples: Self.samples)
        let scores = try HeadPrune.scores(.fluctuation, m, statistics)
        for l in m.blocks.indices {
            let o = m.blocks[l].attention.o, w = try PruneOracle.dense(o), c = inputs[l], dh = m.blocks[l].attention.headDim
            let naive = (0..<4).map { h in
                ((h * dh)..<((h + 1) * dh)).reduce(0.0) { s, j in
                    let mean = c.reduce(0) { $0 + Double($1[j]) } / Double(c.count)
                    let variance = c.reduce(0) { $0 + (Double($1[j]) - mean) * (Double($1[j]) - mean) } / Double(c.count)
                    let norm2 = (0..<o.outFeatures).reduce(0) { $0 + Double(w[$1 * o.inFeatures + j]) * Double(w[$1 * o.inFeatures + j]) }
                    return s + variance * norm2
                }
            }
            #expect(zip(scores[l], naive).allSatisfy { abs($0 - $1) <= 1e-6 * $1 }, "block \(l): \(scores[l]) vs \(naive)")
            #expect(Set(naive).count == 4)
        }
        let result = try await HeadPruneTests.pass { $0.fraction = 0.5; $0.score = .fluctuation }.run(on: &m, context: context)
        for l in m.blocks.indices {
            let lowest = Set((0..<4).sorted { scores[l][$0] < scores[l][$1] }.prefix(2))
            #expect(Set(m.blocks[l].attention.keptHeads) == Set(0..<4).subtracting(lowest))
            #expect(result.diagnostics[l].message.hasPrefix("head scores (fluctuation) " + String(format: "%.4g", scores[l][0])))
        }
    }

    @Test func calibrationIsNeededExactlyWhenCompensatingOrScoring() throws {
        let pass = { (text: String) throws in try HeadPrune.make(from: RecipeText.parse(text).steps[0], index: 0) }
        #expect(try pass("head-prune{heads=[0:1]}").needsCalibration)
        #expect(try !pass("head-prune{heads=[0:1],bias-compensation=false}").needsCalibration)
        #expect(try pass("head-prune{fraction=0.25,bias-compensation=false}").needsCalibration)
        #expect(try pass("head-prune{fraction=0.25}").options == HeadPruneTests.pass {
            $0.fraction = 0.25; $0.score = .contribution; $0.biasCompensation = true
        }.options)
        #expect(throws: PassError.wrongType(step: 0, pass: "head-prune", key: "score", expected: "one of contribution, fluctuation")) {
            try pass("head-prune{fraction=0.25,score=variance}")
        }
        let notes = try pass("head-prune{heads=[0:1]}").check(Skeleton(dense: .miniLM)).filter { $0.severity == .note }.map(\.description)
        #expect(notes == ["head-prune: bias compensation reads calibration text for the means of the removed heads; set reconstruction=none to prune exactly like transformers' prune_heads, without calibration"])
    }
}
