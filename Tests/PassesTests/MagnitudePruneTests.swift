import Foundation
import Testing
import HuggingFace
import ModelIR
import TensorCore
@testable import Passes

/// Oracles: a naive full sort of the scores in (score, position) order (`PruneOracle.smallest`),
/// the masks of `torch.nn.utils.prune.l1_unstructured` (golden/prune-l1-unstructured.json, from
/// scripts/fixtures/generate_prune.py), and hand-made weights with equal values for the ties.
/// Everything is compared exactly: pruning moves no value, it only zeroes some.
@Suite struct MagnitudePruneTests {
    @Test(arguments: [0.5, 0.3, 0.29, 0.9])
    func perLinearZeroesExactlyFloorSNOfTheSmallest(sparsity: Double) async throws {
        let original = try PruneOracle.tinyBERT()
        var m = original
        let result = try await PruneOracle.run("magnitude-prune{sparsity=\(sparsity)}", on: &m)
        let paths = original.linearPaths(matching: "blocks.**")
        #expect(paths.count == 12)
        var zeroed = 0
        for path in paths {
            let before = try #require(original.linear(at: path)), after = try #require(m.linear(at: path))
            let w = try PruneOracle.dense(before), n = w.count
            let k = Int((sparsity * Double(n)).rounded(.down))
            let pruned = try PruneOracle.pruned(after)
            #expect(pruned == PruneOracle.smallest(k, w.map(abs)), "\(path)")
            #expect(pruned.count == k)
            try PruneOracle.expectValues(after, original: w, path: path)
            zeroed += k
        }
        #expect(result.counters == ["weights-zeroed": zeroed, "linears-pruned": 12])
        #expect(m.head.pooler == original.head.pooler, "the default select is blocks.**")
        #expect(m.verify().isEmpty)
    }

    @Test func zeroCountIsTheFloorOfTheIntendedProduct() {
        #expect(MagnitudePrune.zeroCount(0.29, of: 100) == 29) // 28.999999999999996 in binary
        #expect(MagnitudePrune.zeroCount(0.57, of: 100) == 57) // 56.99999999999999
        #expect(MagnitudePrune.zeroCount(0.5, of: 1183) == 591)
        #expect(MagnitudePrune.zeroCount(0.3, of: 1184) == 355)
        #expect(MagnitudePrune.zeroCount(0.001, of: 999) == 0)
    }

    @Test func agreesWithTorchL1Unstructured() async throws {
        struct Golden: Decodable {
            struct Entry: Decodable { let module: String, path: String, shape: [Int], amount: Int, zeroed: [Int] }
            let linears: [Entry]
        }
        let golden = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: URL(fileURLWithPath: PruneOracle.fixtures + "/golden/prune-l1-unstructured.json")))
        #expect(golden.linears.map(\.path) == ["blocks.0.mlp.up", "blocks.1.attention.q"])
        var m = try PruneOracle.tinyBERT()
        _ = try await PruneOracle.run("magnitude-prune{sparsity=0.5,select=blocks.*.{mlp,attention}.{up,q}}", on: &m)
        for entry in golden.linears {
            let linear = try #require(m.linear(at: LayerPath(entry.path)))
            #expect([linear.outFeatures, linear.inFeatures] == entry.shape)
            #expect(try PruneOracle.pruned(linear).sorted() == entry.zeroed, "\(entry.module)")
            #expect(entry.zeroed.count == entry.amount)
        }
    }

    @Test func globalPoolZeroesExactlyFloorSNOfThePoolsSmallest() async throws {
        let original = try PruneOracle.tinyBERT()
        var m = original
        let result = try await PruneOracle.run("magnitude-prune{sparsity=0.6,scope=global}", on: &m)
        let paths = original.linearPaths(matching: "blocks.**")
        // The pool in execution order, each linear row-major: positions are offsets into it.
        var pool: [Float] = [], offsets: [Int] = []
        for path in paths {
            offsets.append(pool.count)
            pool += try PruneOracle.dense(try #require(original.linear(at: path))).map(abs)
        }
        let k = Int((0.6 * Double(pool.count)).rounded(.down))
        var pruned = Set<Int>()
        for (path, offset) in zip(paths, offsets) {
            let after = try #require(m.linear(at: path))
            pruned.formUnion(try PruneOracle.pruned(after).map { $0 + offset })
            try PruneOracle.expectValues(after, original: PruneOracle.dense(try #require(original.linear(at: path))), path: path)
        }
        #expect(pruned == PruneOracle.smallest(k, pool))
        #expect(result.counters == ["weights-zeroed": k, "linears-pruned": 12])
        // Not the per-linear split: the pool takes more from some linears than from others.
        let perLinear = try paths.map { try PruneOracle.pruned(try #require(m.linear(at: $0))).count }
        #expect(Set(perLinear).count > 1)
        #expect(m.verify().isEmpty)
    }

    @Test func perOutputZeroesFloorSInOfEveryRow() async throws {
        let original = try PruneOracle.tinyBERT()
        var m = original
        let result = try await PruneOracle.run("magnitude-prune{sparsity=0.4,scope=per-output}", on: &m)
        var zeroed = 0
        for path in original.linearPaths(matching: "blocks.**") {
            let before = try #require(original.linear(at: path)), after = try #require(m.linear(at: path))
            let w = try PruneOracle.dense(before), columns = before.inFeatures
            let k = Int((0.4 * Double(columns)).rounded(.down))
            let pruned = try PruneOracle.pruned(after)
            for o in 0..<before.outFeatures {
                let row = Array(w[(o * columns)..<((o + 1) * columns)]).map(abs)
                #expect(Set(pruned.filter { $0 / columns == o }.map { $0 % columns }) == PruneOracle.smallest(k, row), "\(path) row \(o)")
            }
            zeroed += k * before.outFeatures
        }
        #expect(result.counters["weights-zeroed"] == zeroed)
        #expect(m.verify().isEmpty)
    }

    @Test(arguments: [(2, 4), (4, 8)])
    func everyNOfMGroupKeepsExactlyItsNLargest(n: Int, m groupSize: Int) async throws {
        let original = try PruneOracle.tinyBERT()
        var m = original
        // mlp.down takes 37 inputs, not a multiple of 4: check rejects it (MagnitudePruneCheckTests).
        let select = "blocks.*.{attention,mlp}.{q,k,v,o,up}"
        let result = try await PruneOracle.run("magnitude-prune{pattern=\(n):\(groupSize),select=\(select)}", on: &m)
        let paths = original.linearPaths(matching: LayerGlob(select))
        #expect(paths.count == 10)
        for path in paths {
            let before = try #require(original.linear(at: path)), after = try #require(m.linear(at: path))
            guard case let .sparse(_, _, pattern, nonzeros) = after.weight else { Issue.record("\(path) not sparse"); continue }
            #expect(pattern == .nOfM(n: n, m: groupSize))
            #expect(nonzeros == before.outFeatures * before.inFeatures / groupSize * n)
            let w = try PruneOracle.dense(before), pruned = try PruneOracle.pruned(after)
            for start in stride(from: 0, to: w.count, by: groupSize) {
                let group = Array(w[start..<(start + groupSize)]).map(abs)
                let want = PruneOracle.smallest(groupSize - n, group)
                #expect(Set(pruned.filter { $0 / groupSize == start / groupSize }.map { $0 - start }) == want, "\(path) group at \(start)")
            }
            try PruneOracle.expectValues(after, original: w, path: path)
        }
        #expect(result.counters == ["weights-zeroed": (8 * 32 * 32 + 2 * 37 * 32) / 2, "linears-pruned": 10])
        #expect(m.verify().isEmpty)
    }

    /// Ties: zeroed in ascending (score, position) order, so the lower position goes first.
    @Test func tiesBreakTowardTheLowerPosition() async throws {
        var m = try PruneOracle.tinyBERT()
        // blocks.0.attention.q [32, 32]: |w| = 1 except every third weight (|w| = 2), signs
        // alternating, and the first two are −0 and +0 (equal scores, 0).
        var w = (0..<1024).map { i -> Float in (i % 3 == 0 ? 2 : 1) * (i % 2 == 0 ? 1 : -1) }
        w[0] = -0.0
        w[1] = 0
        PruneOracle.setWeight(&m, "blocks.0.attention.q", w)
        // blocks.0.attention.k: all ones (ties everywhere).
        PruneOracle.setWeight(&m, "blocks.0.attention.k", [Float](repeating: 1, count: 1024))
        let tied = m

        // Per linear, 50%: 0 and 1 (score 0) first, then the lowest positions with |w| = 1.
        _ = try await PruneOracle.run("magnitude-prune{select=blocks.0.attention.{q,k}}", on: &m)
        let ones = (2..<1024).filter { $0 % 3 != 0 }
        #expect(try PruneOracle.pruned(m.linear(at: "blocks.0.attention.q")!) == Set([0, 1] + ones.prefix(510)))
        #expect(try PruneOracle.pruned(m.linear(at: "blocks.0.attention.k")!) == Set(0..<512))
        // The zeroed −0 is stored as +0.
        guard case let .sparse(values, _, _, _) = m.linear(at: "blocks.0.attention.q")!.weight else { Issue.record("not sparse"); return }
        #expect(values.floats()[0].sign == .plus)

        // Global over two all-equal linears: the earlier linear (q before k) goes first.
        m = tied
        PruneOracle.setWeight(&m, "blocks.0.attention.q", [Float](repeating: -1, count: 1024))
        _ = try await PruneOracle.run("magnitude-prune{scope=global,select=blocks.0.attention.{q,k}}", on: &m)
        #expect(try PruneOracle.pruned(m.linear(at: "blocks.0.attention.q")!) == Set(0..<1024))
        #expect(try PruneOracle.pruned(m.linear(at: "blocks.0.attention.k")!).isEmpty)

        // 2:4 and per-output on all-equal weights: the lower columns of each group / row.
        m = tied
        _ = try await PruneOracle.run("magnitude-prune{pattern=2:4,select=blocks.0.attention.k}", on: &m)
        #expect(try PruneOracle.pruned(m.linear(at: "blocks.0.attention.k")!) == Set((0..<1024).filter { $0 % 4 < 2 }))
        m = tied
        _ = try await PruneOracle.run("magnitude-prune{scope=per-output,sparsity=0.25,select=blocks.0.attention.k}", on: &m)
        #expect(try PruneOracle.pruned(m.linear(at: "blocks.0.attention.k")!) == Set((0..<1024).filter { $0 % 32 < 8 }))
    }

    @Test(arguments: [
        "magnitude-prune",
        "magnitude-prune{sparsity=0.3,select=blocks.1.**}",
        "magnitude-prune{scope=per-output,sparsity=0.7}",
        "magnitude-prune{pattern=2:4,select=blocks.*.attention.*}",
        "magnitude-prune{pattern=4:8,select=blocks.*.{attention,mlp}.{q,k,v,o,up}}",
        "magnitude-prune{select=**}",
        "magnitude-prune{method=sparsegpt}",
        "magnitude-prune{method=sparsegpt,scope=per-output,sparsity=0.3,block-size=8}",
        "magnitude-prune{method=sparsegpt,pattern=2:4,select=blocks.*.attention.*,block-size=4}",
        "magnitude-prune{method=sparsegpt,pattern=4:8,select=blocks.*.{attention,mlp}.{q,k,v,o,up},bias-correction=true}",
        "magnitude-prune{bias-correction=true,scope=per-output}",
    ])
    func runMatchesEffect(recipe: String) async throws {
        for dtype in [DType.f32, .bf16, .f16] {
            var m = try PruneOracle.tinyBERT()
            if dtype != .f32 { m = m.mapNamed { _, t in t.converted(to: dtype) } }
            var v = try #require(m.linear(at: "blocks.0.attention.v"))
            v.bias = nil // bias-correction gives it one
            m.setLinear(v, at: "blocks.0.attention.v")
            let pass = try PruneOracle.pass(recipe)
            #expect(pass.check(m.skeleton).isEmpty)
            var predicted = m.skeleton
            pass.effect(on: &predicted)
            _ = try await pass.run(on: &m, context: MagnitudePruneSparseGPTTests.context)
            #expect(m.skeleton == predicted, "\(recipe) on \(dtype)")
            #expect(m.verify().isEmpty)
        }
    }

    /// `global`: the split over linears depends on the weights, so `effect` cannot know it; it
    /// predicts the exact total (⌊s·N⌋ zeros) split by largest remainder. Everything else agrees.
    @Test func globalEffectPredictsTheTotalExactly() async throws {
        var m = try PruneOracle.tinyBERT()
        let pass = try PruneOracle.pass("magnitude-prune{scope=global,sparsity=0.55}")
        var predicted = m.skeleton
        pass.effect(on: &predicted)
        _ = try await pass.run(on: &m, context: PassContext())
        func nonzeros(_ s: Skeleton) -> [Int] {
            s.linears.map { if case let .sparse(_, _, _, nnz) = $0.linear.weight { nnz } else { -1 } }
        }
        let (run, effect) = (nonzeros(m.skeleton), nonzeros(predicted))
        #expect(run.reduce(0, +) == effect.reduce(0, +))
        #expect(run != effect, "the fixture's split is uneven; if this fails the test no longer shows the limit")
        func withoutCounts(_ s: Skeleton) -> Skeleton {
            var s = s
            for (path, linear) in s.linears {
                guard case let .sparse(values, mask, pattern, _) = linear.weight else { continue }
                var l = linear
                l.weight = .sparse(values: values, mask: mask, pattern: pattern, nonzeros: 0)
                s.setLinear(l, at: path)
            }
            return s
        }
        #expect(withoutCounts(m.skeleton) == withoutCounts(predicted))
        #expect(MagnitudePrune.globalShares(sparsity: 0.5, sizes: [3, 3, 5]) == [2, 1, 2]) // 1.5, 1.5, 2.5 → ⌊5.5⌋ = 5
    }

    @Test func masksAreBitPackedAndValuesZeroWhereTheMaskIsClear() async throws {
        var m = try PruneOracle.tinyBERT()
        _ = try await PruneOracle.run("magnitude-prune{sparsity=0.3}", on: &m)
        let down = try #require(m.linear(at: "blocks.0.mlp.down")) // in = 37: 5 mask bytes per row, 3 padding bits
        guard case let .sparse(values, mask, pattern, nonzeros) = down.weight else { Issue.record("not sparse"); return }
        #expect(mask.dtype == .u8 && mask.shape == [32, 5] && values.shape == [32, 37] && pattern == .unstructured)
        let bytes = mask.withUnsafeBytes { [UInt8]($0) }
        #expect(bytes.reduce(0) { $0 + $1.nonzeroBitCount } == nonzeros)
        #expect((0..<32).allSatisfy { bytes[$0 * 5 + 4] & 0b1110_0000 == 0 }, "padding bits are clear")
        let v = values.floats()
        for o in 0..<32 {
            for j in 0..<37 where bytes[o * 5 + j / 8] >> (j % 8) & 1 == 0 { #expect(v[o * 37 + j].bitPattern == 0) }
        }
    }

    @Test func costModelCountsTheNonzeros() async throws {
        let original = try PruneOracle.tinyBERT()
        var m = original
        _ = try await PruneOracle.run("magnitude-prune{pattern=2:4,select=blocks.*.attention.*}", on: &m)
        let tokens = 7
        for path in m.linearPaths(matching: "blocks.*.attention.*") {
            let linear = try #require(m.linear(at: path))
            guard case let .sparse(_, _, _, nnz) = linear.weight else { Issue.record("not sparse"); continue }
            #expect(nnz == 32 * 32 / 2)
            #expect(CostModel.flops(linear, tokens: tokens) == 2 * tokens * nnz + tokens * linear.outFeatures)
        }
        // Each of the 8 attention linears does half its multiply-adds.
        let saved = CostModel.flops(original.skeleton, workload: Workload(batch: 1, sequenceLength: tokens)).total
            - CostModel.flops(m.skeleton, workload: Workload(batch: 1, sequenceLength: tokens)).total
        #expect(saved == 8 * tokens * 32 * 32)
    }

    @Test func optionsFromARecipe() throws {
        #expect(try PruneOracle.pass("magnitude-prune").canonicalStep.description
            == "magnitude-prune{bias-correction=false,block-size=128,dampening=0.01,method=select,pattern=unstructured,scope=per-linear,score=magnitude,select=blocks.**,sparsity=0.5}")
        let options = try PruneOracle.pass("magnitude-prune{pattern=4:8,scope=per-output,score=wanda}").options
        #expect(options.pattern == .fourOfEight && options.scope == .perOutput && options.score == .wanda)
        #expect(throws: PassError.wrongType(step: 0, pass: "magnitude-prune", key: "pattern", expected: "one of unstructured, 2:4, 4:8")) {
            try PruneOracle.pass("magnitude-prune{pattern=3:4}")
        }
        #expect(throws: PassError.wrongType(step: 0, pass: "magnitude-prune", key: "scope", expected: "one of per-linear, per-output, global")) {
            try PruneOracle.pass("magnitude-prune{scope=layer}")
        }
        #expect(throws: PassError.invalidOption(step: 0, pass: "magnitude-prune", key: "sparsity", value: "1.0",
                                                expected: "a fraction strictly between 0 and 1")) {
            try PruneOracle.pass("magnitude-prune{sparsity=1}")
        }
        #expect(throws: PassError.invalidOption(step: 0, pass: "magnitude-prune", key: "sparsity", value: "0.7",
                                                expected: "0.5 with pattern=2:4 (it zeroes 2 of every 4 weights), or pattern=unstructured")) {
            try PruneOracle.pass("magnitude-prune{pattern=2:4,sparsity=0.7}")
        }
        #expect(throws: PassError.invalidOption(step: 0, pass: "magnitude-prune", key: "scope", value: "global",
                                                expected: "per-linear with pattern=4:8 (N:M groups lie within one row), or pattern=unstructured")) {
            try PruneOracle.pass("magnitude-prune{pattern=4:8,scope=global}")
        }
    }

    /// YAML 1.1 reads a bare 2:4 as the base-60 number 124: quoted it is a string.
    @Test func patternInAYAMLRecipe() throws {
        let quoted = try RecipeLoader.parse("steps:\n  - pass: magnitude-prune\n    options: {pattern: \"2:4\"}", source: "r.yaml")
        #expect(try MagnitudePrune.make(from: quoted.steps[0], index: 0).options.pattern == .twoOfFour)
        let bare = try RecipeLoader.parse("steps:\n  - pass: magnitude-prune\n    options: {pattern: 2:4}", source: "r.yaml")
        if case .string("2:4")? = bare.steps[0].options["pattern"] {
            #expect(try MagnitudePrune.make(from: bare.steps[0], index: 0).options.pattern == .twoOfFour)
        } else {
            #expect(throws: PassError.wrongType(step: 0, pass: "magnitude-prune", key: "pattern",
                                                expected: "one of unstructured, 2:4, 4:8 (quote it in YAML, which reads a bare 2:4 as the base-60 number 124)")) {
                try MagnitudePrune.make(from: bare.steps[0], index: 0)
            }
        }
    }

    @Test func selectionFindsTheRankedElement() {
        var rng = SplitMix64(seed: 7)
        for count in [1, 2, 3, 10, 257] {
            let values = Array(Set((0..<count).map { _ in rng.next() % 1000 })) // distinct
            for rank in values.indices {
                var a = values
                #expect(PruneUnit.select(&a, rank: rank) == values.sorted()[rank])
            }
        }
    }
}

/// Shared helpers of the magnitude-prune tests.
enum PruneOracle {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures").path

    static func tinyBERT() throws -> Model { try ModelImporter.model(directory: fixtures + "/tiny-bert").graph }

    /// The pass as a recipe step configures it (options decoded and validated).
    static func pass(_ text: String) throws -> MagnitudePrune {
        try MagnitudePrune.make(from: RecipeText.parse(text).steps[0], index: 0)
    }

    /// Checks, then runs, like the pipeline (which needs the pass registered).
    static func run(_ text: String, on m: inout Model, context: PassContext = PassContext()) async throws -> PassResult {
        let pass = try pass(text)
        let errors = pass.check(m.skeleton).filter { $0.severity == .error }
        guard errors.isEmpty else { throw PassError.checkFailed(errors) }
        return try await pass.run(on: &m, context: context)
    }

    /// The k smallest of `scores` in (score, index) order, by a full sort: the oracle.
    static func smallest(_ k: Int, _ scores: [Float]) -> Set<Int> {
        Set(scores.indices.sorted { (scores[$0], $0) < (scores[$1], $1) }.prefix(k))
    }

    static func dense(_ linear: Linear<Tensor>) throws -> [Float] {
        guard case let .dense(w) = linear.weight else { throw PassError.failed(pass: "test", reason: "not dense") }
        return w.floats()
    }

    /// Flat indices whose mask bit is clear.
    static func pruned(_ linear: Linear<Tensor>) throws -> Set<Int> {
        guard case let .sparse(_, mask, _, nonzeros) = linear.weight else { throw PassError.failed(pass: "test", reason: "not sparse") }
        let bytes = mask.withUnsafeBytes { [UInt8]($0) }, rowBytes = (linear.inFeatures + 7) / 8
        var pruned = Set<Int>()
        for o in 0..<linear.outFeatures {
            for j in 0..<linear.inFeatures where bytes[o * rowBytes + j / 8] >> (j % 8) & 1 == 0 { pruned.insert(o * linear.inFeatures + j) }
        }
        #expect(linear.outFeatures * linear.inFeatures - pruned.count == nonzeros)
        return pruned
    }

    /// Values: +0 where pruned, the original bits where kept; dtype of the original.
    static func expectValues(_ linear: Linear<Tensor>, original: [Float], path: LayerPath) throws {
        guard case let .sparse(values, _, _, _) = linear.weight else { throw PassError.failed(pass: "test", reason: "not sparse") }
        let pruned = try pruned(linear), v = values.floats()
        #expect(v.count == original.count)
        let wrong = v.indices.filter { pruned.contains($0) ? v[$0].bitPattern != 0 : v[$0].bitPattern != original[$0].bitPattern }
        #expect(wrong.isEmpty, "\(path): \(wrong.prefix(5))")
    }

    static func setWeight(_ m: inout Model, _ path: LayerPath, _ w: [Float]) {
        var linear = m.linear(at: path)!
        linear.weight = .dense(Tensor(w, shape: [linear.outFeatures, linear.inFeatures]))
        m.setLinear(linear, at: path)
    }
}
