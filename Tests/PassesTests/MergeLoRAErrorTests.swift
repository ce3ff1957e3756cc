import Foundation
import Testing
import HuggingFace
import ModelIR
import TensorCore
@testable import Passes

/// Each misuse of merge-lora is one exact error, found before any weight changes.
@Suite struct MergeLoRAErrorTests {
    let pass = MergeLoRA(options: .init())

    /// `model` with the linear at `path` stored int8 (values 1, scales 1: the content is irrelevant).
    func quantized(_ model: Model, at path: LayerPath) -> Model {
        var model = model
        var linear = model.linear(at: path)!
        linear.weight = .int8(values: Tensor(dtype: .i8, shape: [linear.outFeatures, linear.inFeatures],
                                             bytes: [UInt8](repeating: 1, count: linear.outFeatures * linear.inFeatures)),
                              scales: Tensor([Float](repeating: 1, count: linear.outFeatures), shape: [linear.outFeatures]))
        model.setLinear(linear, at: path)
        return model
    }

    func runError(_ model: Model, _ adapters: [LoRAAdapter]) async -> PassError? {
        var m = model
        do {
            _ = try await pass.run(on: &m, context: PassContext(adapters: adapters))
            return nil
        } catch {
            #expect(m == model, "the model changed although merge-lora failed")
            return error
        }
    }

    @Test func checkRejectsCompressedWeightsWithTheFix() throws {
        let skeleton = quantized(try LoRAFixtures.model("tiny-bert"), at: "blocks.1.mlp.up").skeleton
        #expect(pass.check(skeleton) == [
            Diagnostic(.error, at: "blocks.1.mlp.up", "merge-lora needs a dense weight but found int8", hint: "move merge-lora before int8-quantize"),
        ])
    }

    @Test func checkRejectsPrunedHeads() throws {
        var skeleton = try LoRAFixtures.model("tiny-bert").skeleton
        skeleton.blocks[0].attention.keptHeads = [0, 2, 3]
        #expect(pass.check(skeleton).first == Diagnostic(.error, at: "blocks.0.attention", "merge-lora needs every head but 3 of 4 are kept",
                                                          hint: "move merge-lora before head-prune"))
    }

    @Test func noAdapterChangesNothingAndSaysSo() async throws {
        let before = try LoRAFixtures.model("tiny-bert")
        var model = before
        let result = try await pass.run(on: &model, context: PassContext())
        #expect(!result.changed && result.diagnostics == [MergeLoRA.nothingToMerge])
        #expect(model.namedTensors.map(\.name) == before.namedTensors.map(\.name))
        #expect(zip(model.namedTensors, before.namedTensors).allSatisfy { $0.tensor.floats() == $1.tensor.floats() })
    }

    @Test func aCompressedTargetStopsTheRunBeforeAnyChange() async throws {
        let model = try LoRAFixtures.model("tiny-bert")
        let adapter = try LoRAFixtures.adapter("bert-lora", for: model)
        #expect(await runError(quantized(model, at: "blocks.0.attention.v"), [adapter]) == .failed(pass: "merge-lora", reason:
            "blocks.0.attention.v: adapter 'bert-lora' needs a dense weight but found int8; move merge-lora before int8-quantize"))
    }

    @Test func anAdapterMappedOntoAnotherModelIsRefused() async throws {
        let gpt2 = try LoRAFixtures.model("tiny-gpt2")
        let adapter = try LoRAFixtures.adapter("gpt2-lora", for: gpt2)
        #expect(await runError(try LoRAFixtures.model("tiny-bert"), [adapter]) == .failed(pass: "merge-lora", reason:
            "adapter 'gpt2-lora' was mapped onto another base model (gpt2, d 32, 2 layers, d_ff 128), the model is bert, d 32, 2 layers, d_ff 37; import it for this model"))
    }

    @Test func updatesThatDoNotFitAreListed() async throws {
        let model = try LoRAFixtures.model("tiny-bert")
        let update = LoRAAdapter.Update(path: "blocks.0.attention.q", a: Tensor([Float](repeating: 0, count: 64), shape: [4, 16]),
                                        b: Tensor([Float](repeating: 0, count: 128), shape: [32, 4]), scaling: 2, keys: ["a", "b"])
        let missing = LoRAAdapter.Update(path: "blocks.7.attention.q", a: update.a, b: update.b, scaling: 2, keys: ["c"])
        let adapter = LoRAAdapter(name: "hand", base: model.config, updates: [update, missing],
                                  replacements: [.init(tensor: "head.classifier.weight", value: update.b, key: "d")])
        #expect(await runError(model, [adapter]) == .failed(pass: "merge-lora", reason:
            "blocks.0.attention.q: adapter 'hand' has A [4, 16], B [32, 4] for a linear [32, 32] ('a', 'b'); "
            + "blocks.7.attention.q: adapter 'hand' updates a linear the model does not have ('c'); "
            + "head.classifier.weight: adapter 'hand' replaces a tensor the model does not have as a dense weight ('d')"))
    }

    @Test func twoAdaptersReplacingOneTensorConflict() async throws {
        let model = try LoRAFixtures.model("tiny-bert-cls")
        let adapter = try LoRAFixtures.adapter("bert-cls-save", for: model)
        #expect(await runError(model, [adapter, adapter]) == .failed(pass: "merge-lora", reason:
            "head.classifier.bias: replaced by both adapter 'bert-cls-save' and adapter 'bert-cls-save'; "
            + "head.classifier.weight: replaced by both adapter 'bert-cls-save' and adapter 'bert-cls-save'"))
    }
}
