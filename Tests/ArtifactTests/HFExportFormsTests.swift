import Foundation
import JSON
import ModelIR
@testable import HuggingFace
import SafeTensors
import Testing
import NumericTolerance
import TensorCore
@testable import Artifact

/// Non-dense forms are exported densely, head pruning as transformers' `pruned_heads`.
@Suite final class HFExportFormsTests {
    /// Removed with everything in it when the test ends.
    let scratch = ArtifactFixtures.temporaryDirectory()
    deinit { try? FileManager.default.removeItem(atPath: scratch) }

    func exportAndImport(_ model: Model, fixture: String) throws -> Model {
        let out = ArtifactFixtures.temporaryDirectory(in: scratch) + "/export"
        try HFExport.write(model: model, sourceConfig: try ArtifactFixtures.sourceConfig(fixture),
                           tokenizerFiles: [:], to: out)
        return try ArtifactFixtures.model(at: out)
    }

    func denseWeight(_ linear: Linear<Tensor>?) -> Tensor? {
        if case let .dense(w)? = linear?.weight { return w }
        return nil
    }

    /// Oracles: `ModelForms.product` (naive Double loop) and `ModelForms.dequantized`; tolerance 1e-6.
    @Test func bertLowRankAndInt8BecomeDense() throws {
        var model = try ArtifactFixtures.model("tiny-bert-cls")
        let (u, v) = ModelForms.lowRank(out: 37, in: 32, rank: 4, seed: 3)
        model.blocks[0].mlp.up.weight = .lowRank(u: u, v: v)
        let (values, scales) = ModelForms.int8(denseWeight(model.blocks[1].attention.o)!)
        model.blocks[1].attention.o.weight = .int8(values: values, scales: scales)
        model.head.classifier!.bias = nil

        let back = try exportAndImport(model, fixture: "tiny-bert-cls")
        let up = denseWeight(back.blocks[0].mlp.up)!, o = denseWeight(back.blocks[1].attention.o)!
        #expect(up.dtype == .f32 && up.shape == [37, 32])
        #expect(maxDifference(up.floats(), ModelForms.product(u, v)) <= 1e-6)
        #expect(maxDifference(o.floats(), ModelForms.dequantized(values, scales)) <= 1e-6)
        #expect(back.head.classifier!.bias == Tensor([0, 0, 0], shape: [3]))
        #expect(back.blocks[0].attention == model.blocks[0].attention)
    }

    /// q (low-rank, f32) is fused with k, v (f16) into c_attn; mixed dtypes are widened to f32.
    @Test func gpt2LowRankQueryIsFusedIntoCAttn() throws {
        var model = try ArtifactFixtures.model("tiny-gpt2")
        let (u, v) = ModelForms.lowRank(out: 32, in: 32, rank: 2, seed: 4)
        model.blocks[1].attention.q.weight = .lowRank(u: u, v: v)
        let k = denseWeight(model.blocks[1].attention.k)!
        model.blocks[1].attention.k.weight = .dense(k.converted(to: .f16))
        let back = try exportAndImport(model, fixture: "tiny-gpt2")
        #expect(maxDifference(denseWeight(back.blocks[1].attention.q)!.floats(), ModelForms.product(u, v)) <= 1e-6)
        #expect(denseWeight(back.blocks[1].attention.k)! == k.converted(to: .f16).converted(to: .f32))
        #expect(back.blocks[0] == model.blocks[0])
    }

    /// Pruned heads: exported shapes are the kept heads' and config.json lists the removed ones.
    /// (The importer reads full-width attention only; transformers applies `pruned_heads`,
    /// which check_export.py verifies against `prune_heads` on the original.)
    @Test(arguments: ["tiny-bert", "tiny-gpt2"])
    func prunedHeadsAreWrittenForTransformers(fixture: String) throws {
        var model = try ArtifactFixtures.model(fixture)
        ModelForms.pruneHeads(&model, block: 0, keep: [1, 3])
        #expect(model.verify().isEmpty)
        let out = ArtifactFixtures.temporaryDirectory(in: scratch) + "/export"
        try HFExport.write(model: model, sourceConfig: try ArtifactFixtures.sourceConfig(fixture), tokenizerFiles: [:], to: out)
        let config = try ManifestCoding.decode(JSONValue.self, from: try ArtifactFixtures.bytes(out + "/config.json")).get()
        #expect(config.dictionary?["pruned_heads"] == ["0": [0, 2]])
        let checkpoint = try Checkpoint(directory: out)
        if fixture == "tiny-gpt2" {
            #expect(checkpoint.entry("transformer.h.0.attn.c_attn.weight")?.shape == [32, 48])
            #expect(checkpoint.entry("transformer.h.0.attn.c_proj.weight")?.shape == [16, 32])
            #expect(checkpoint.entry("transformer.h.1.attn.c_attn.weight")?.shape == [32, 96])
            #expect(checkpoint.entry("lm_head.weight") == nil)
        } else {
            #expect(checkpoint.entry("encoder.layer.0.attention.self.key.weight")?.shape == [16, 32])
            #expect(checkpoint.entry("encoder.layer.0.attention.output.dense.weight")?.shape == [32, 16])
        }
    }

    @Test func untiedGPT2HeadIsWrittenAndConfigSaysSo() throws {
        var model = try ArtifactFixtures.model("tiny-gpt2")
        model.head.tiedToEmbeddings = false
        model.head.languageModel = Linear(inFeatures: 32, outFeatures: 300, weight: .dense(model.embeddings.word), bias: nil)
        let out = ArtifactFixtures.temporaryDirectory(in: scratch) + "/export"
        try HFExport.write(model: model, sourceConfig: try ArtifactFixtures.sourceConfig("tiny-gpt2"), tokenizerFiles: [:], to: out)
        let config = try ManifestCoding.decode(JSONValue.self, from: try ArtifactFixtures.bytes(out + "/config.json")).get()
        #expect(config.dictionary?["tie_word_embeddings"] == false)
        #expect(try ArtifactFixtures.model(at: out) == model)
    }
}
