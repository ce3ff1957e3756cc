import Testing
import ModelIR
import TensorCore
@testable import Passes

/// `check` explains, without weights, everything that would stop `run`; messages matched exactly.
@Suite struct MagnitudePruneCheckTests {
    func skeleton(_ path: LayerPath, _ form: (Linear<TensorSpec>) -> WeightForm<TensorSpec>) throws -> Skeleton {
        var s = try PruneOracle.tinyBERT().skeleton
        var linear = try #require(s.linear(at: path))
        linear.weight = form(linear)
        s.setLinear(linear, at: path)
        return s
    }

    func messages(_ recipe: String, _ s: Skeleton) throws -> [String] {
        try PruneOracle.pass(recipe).check(s).map(\.description)
    }

    /// An int8 weight: int8-quantize keeps sparse weights sparse (sparse-int8), so the hint says
    /// to move it last. Low-rank: neither order works (no sparse low-rank form), so the hint
    /// says which select to narrow.
    @Test func anotherFormSaysWhichSelectToNarrow() throws {
        let int8 = try skeleton("blocks.1.mlp.up") {
            .int8(values: TensorSpec(dtype: .i8, shape: [$0.outFeatures, $0.inFeatures]), scales: TensorSpec(dtype: .f32, shape: [$0.outFeatures]))
        }
        #expect(try messages("magnitude-prune", int8) == [
            "blocks.1.mlp.up: magnitude-prune needs a dense weight but found int8; move int8-quantize last, after magnitude-prune (it keeps the zeros, as sparse-int8), or leave blocks.1.mlp.up out of magnitude-prune's select",
        ])
        let lowRank = try skeleton("blocks.0.attention.o") {
            .lowRank(u: TensorSpec(dtype: .f32, shape: [$0.outFeatures, 4]), v: TensorSpec(dtype: .f32, shape: [4, $0.inFeatures]))
        }
        #expect(try messages("magnitude-prune{select=blocks.0.**}", lowRank) == [
            "blocks.0.attention.o: magnitude-prune needs a dense weight but found low-rank; a weight cannot be both sparse and low-rank: leave blocks.0.attention.o out of magnitude-prune's select or out of svd-lowrank's",
        ])
        // Outside select, another form is no concern.
        #expect(try messages("magnitude-prune{select=blocks.1.**}", lowRank).isEmpty)
    }

    @Test func aSecondPruneOfTheSameLinearIsRejected() throws {
        var s = try PruneOracle.tinyBERT().skeleton
        try PruneOracle.pass("magnitude-prune{pattern=2:4,select=blocks.0.attention.*}").effect(on: &s)
        #expect(try messages("magnitude-prune{select=blocks.0.attention.{q,v}}", s) == [
            "blocks.0.attention.q: magnitude-prune needs a dense weight but it is already pruned (2:4); prune each linear once: remove it from this step's select or drop the earlier magnitude-prune",
            "blocks.0.attention.v: magnitude-prune needs a dense weight but it is already pruned (2:4); prune each linear once: remove it from this step's select or drop the earlier magnitude-prune",
        ])
    }

    @Test func nOfMNeedsWholeGroups() throws {
        let s = try PruneOracle.tinyBERT().skeleton
        #expect(try messages("magnitude-prune{pattern=2:4}", s) == [0, 1].map {
            "blocks.\($0).mlp.down: 2:4 sparsity needs the input features (37) divisible by 4; exclude this linear from select or use pattern=unstructured"
        })
        #expect(try messages("magnitude-prune{pattern=4:8,select=blocks.*.mlp.up}", s).isEmpty)
    }

    @Test func selectMustMatchALinear() throws {
        #expect(try messages("magnitude-prune{select=blocks.9.*}", PruneOracle.tinyBERT().skeleton) == [
            "blocks.9.*: selects no linear; use a glob such as blocks.*.mlp.* (see `pare inspect` for the layer names)",
        ])
    }

    @Test func wandaScoresBlockLinearsOnly() throws {
        #expect(try messages("magnitude-prune{score=wanda,select=**}", PruneOracle.tinyBERT().skeleton) == [
            "head.pooler: wanda scores need activation statistics, which are measured for block linears only; narrow select to blocks.** or use score=magnitude",
        ])
    }

    @Test func weightsMustBeF32F16OrBF16() throws {
        let f64 = try skeleton("blocks.0.mlp.up") { .dense(TensorSpec(dtype: .f64, shape: [$0.outFeatures, $0.inFeatures])) }
        #expect(try messages("magnitude-prune", f64) == [
            "blocks.0.mlp.up: magnitude-prune needs an f32, f16 or bf16 weight but found f64; add cast{dtype=f32} before magnitude-prune",
        ])
    }

    /// A pass built in code skips the recipe's `validate`; `check` still rejects its options.
    @Test func checkRejectsOptionsARecipeWouldReject() throws {
        var options = MagnitudePrune.Options()
        options.pattern = .twoOfFour
        options.scope = .global
        #expect(MagnitudePrune(options: options).check(try PruneOracle.tinyBERT().skeleton).map(\.description) == [
            "option 'scope': global is out of range; use per-linear with pattern=2:4 (N:M groups lie within one row), or pattern=unstructured",
        ])
    }

    /// `run` without a preceding `check` fails cleanly on a form it cannot prune or bad options.
    @Test func runRefusesANonDenseWeight() async throws {
        var m = try PruneOracle.tinyBERT()
        _ = try await PruneOracle.run("magnitude-prune{select=blocks.0.mlp.up}", on: &m)
        await #expect(throws: PassError.failed(pass: "magnitude-prune", reason: "blocks.0.mlp.up is not a dense weight; run the pipeline's check first (it says how to fix the recipe)")) {
            try await PruneOracle.pass("magnitude-prune{select=blocks.0.mlp.up}").run(on: &m, context: PassContext())
        }
        var options = MagnitudePrune.Options()
        options.sparsity = 1.5
        await #expect(throws: PassError.invalidValue(key: "sparsity", value: "1.5", expected: "a fraction strictly between 0 and 1")) {
            try await MagnitudePrune(options: options).run(on: &m, context: PassContext())
        }
    }
}
