import Foundation
import Testing
import HuggingFace
import ModelIR
import TensorCore
@testable import Passes

/// Oracle for values: Float16/bfloat16 round-to-nearest-even of the original f32 weights.
@Suite struct CastTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures").path

    func model() throws -> Model { try ModelImporter.model(directory: Self.fixtures + "/tiny-bert").graph }

    @Test(arguments: ["cast{dtype=f16}", "cast{dtype=bf16,select=blocks.*.mlp.*,embeddings=false}", "cast{dtype=f32}"])
    func runMatchesEffect(recipe: String) async throws {
        let pipeline = try Pipeline(recipe: RecipeText.parse(recipe))
        var m = try model()
        let (diagnostics, skeletons) = pipeline.check(m.skeleton)
        #expect(diagnostics.isEmpty)
        _ = try await pipeline.run(on: &m, context: PassContext())
        #expect(m.skeleton == skeletons.last)
    }

    @Test func valuesAreRoundedToNearestEven() async throws {
        let original = try model()
        var m = original
        let log = try await Pipeline(recipe: RecipeText.parse("cast{dtype=f16}")).run(on: &m, context: PassContext())
        #expect(log[0].entry.counters["tensors-cast"] == original.namedTensors.count)
        #expect(log[0].entry.options == "cast{dtype=f16,embeddings=true,select=**}")
        for ((name, before), (_, after)) in zip(original.namedTensors, m.namedTensors) {
            #expect(after.dtype == .f16, "\(name)")
            #expect(after.floats() == before.floats().map { Float(Float16($0)) }, "\(name)")
        }
    }

    @Test func selectionLimitsTheCast() async throws {
        var m = try model()
        _ = try await Pipeline(recipe: RecipeText.parse("cast{dtype=bf16,select=blocks.1.mlp.up,embeddings=false}"))
            .run(on: &m, context: PassContext())
        let changed = m.namedTensors.filter { $0.tensor.dtype == .bf16 }.map(\.name)
        #expect(changed == ["blocks.1.mlp.up.weight", "blocks.1.mlp.up.bias"])
    }

    @Test func checkFindsAGlobThatSelectsNothingBeforeAnyWork() throws {
        let pipeline = try Pipeline(recipe: RecipeText.parse("print-ir,cast{select=blocks.9.*}"))
        let (diagnostics, _) = pipeline.check(try model().skeleton)
        #expect(diagnostics.map(\.description) == [
            "step 2 (cast): blocks.9.*: selects no linear; use a glob such as blocks.*.mlp.* (see `pare inspect` for the layer names)",
        ])
    }

    @Test func printIRReturnsTheIRAndChangesNothing() async throws {
        var m = try model()
        let before = m.skeleton
        let log = try await Pipeline(recipe: RecipeText.parse("print-ir")).run(on: &m, context: PassContext())
        #expect(m.skeleton == before && log[0].entry.changed == false)
        #expect(log[0].output == before.printed())
    }

    @Test func analysesAreDroppedWhenWeightsChange() async throws {
        let context = PassContext()
        _ = context.analysis("statistics", as: Int.self) { 42 }
        var m = try model()
        _ = try await Pipeline(recipe: RecipeText.parse("print-ir")).run(on: &m, context: context)
        #expect(context.cachedAnalyses == ["statistics"])
        _ = try await Pipeline(recipe: RecipeText.parse("cast")).run(on: &m, context: context)
        #expect(context.cachedAnalyses.isEmpty)
    }
}
