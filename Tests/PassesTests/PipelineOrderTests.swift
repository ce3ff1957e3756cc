import Testing
import ModelIR
@testable import Passes

/// The static check sees each step on the skeleton the previous steps leave, so a wrong order is
/// explained before any weight is read.
@Suite struct PipelineOrderTests {
    @Test func headPruneAfterFactorizingTheAttentionIsRejectedWithTheFix() throws {
        let pipeline = try Pipeline(recipe: RecipeText.parse("svd-lowrank{rank=8,select=blocks.0.attention.q},head-prune{heads=[0:1]}"))
        let errors = pipeline.check(Skeleton(dense: .miniLM)).diagnostics.filter { $0.severity == .error }
        #expect(errors.map(\.description) == [
            "step 2 (head-prune): blocks.0.attention.q: head-prune needs dense attention weights but found low-rank; move head-prune before the pass that made it low-rank",
        ])
        // The right order checks cleanly.
        let fixed = try Pipeline(recipe: RecipeText.parse("head-prune{heads=[0:1]},svd-lowrank{rank=8,select=blocks.0.attention.q}"))
        #expect(fixed.check(Skeleton(dense: .miniLM)).diagnostics.allSatisfy { $0.severity != .error })
    }

    @Test func factorizingTwiceIsRejected() throws {
        let pipeline = try Pipeline(recipe: RecipeText.parse("svd-lowrank{rank=64},svd-lowrank{rank=32}"))
        let errors = pipeline.check(Skeleton(dense: .miniLM)).diagnostics.filter { $0.severity == .error }
        #expect(errors.first?.description == "step 2 (svd-lowrank): blocks.0.mlp.up: svd-lowrank needs a dense weight but found low-rank; move svd-lowrank before the pass that made it low-rank, or leave it out of select")
    }
}
