import Foundation
import Testing
import ModelIR
import SafeTensors
import TensorCore
@testable import HuggingFace

/// Oracle: the parameter counts and saved keys that Hugging Face transformers reported when it
/// wrote each fixture (Tests/Fixtures/golden/*.json, from scripts/fixtures/generate.py).
@Suite struct ImportFixtureTests {
    @Test(arguments: ["tiny-bert", "tiny-bert-cls", "tiny-bert-sharded", "tiny-gpt2"])
    func everyTensorUsedOnceAndParameterCountMatchesTransformers(name: String) throws {
        let golden = try Fixtures.golden(name)
        let skeleton = try ModelImporter.skeleton(directory: Fixtures.model(name))
        let model = try ModelImporter.model(directory: Fixtures.model(name))
        // Nothing dropped: the importer consumed exactly the checkpoint's tensors.
        #expect(skeleton.consumed == golden.state_dict_keys.sorted())
        #expect(model.consumed == skeleton.consumed)
        #expect(skeleton.graph.parameterCount == golden.num_parameters)
        #expect(model.graph.skeleton == skeleton.graph)
        #expect(model.graph.verify().isEmpty)
    }

    @Test func bertVariantsHaveTheirHeads() throws {
        let plain = try ModelImporter.skeleton(directory: Fixtures.model("tiny-bert")).graph
        #expect(plain.head.pooler != nil && plain.head.classifier == nil)
        let cls = try ModelImporter.skeleton(directory: Fixtures.model("tiny-bert-cls")).graph
        #expect(cls.head.classifier?.outFeatures == 3)
        #expect(cls.config.architecture == .bert && cls.config.intermediateSize == 37)
    }

    @Test func gpt2Conv1DIsTransposedAndCAttnSplit() throws {
        let dir = Fixtures.model("tiny-gpt2")
        let model = try ModelImporter.model(directory: dir).graph
        #expect(model.config.causal && model.config.normPlacement == .pre && model.head.tiedToEmbeddings)
        let checkpoint = try Checkpoint(directory: dir)
        // c_attn.weight is [in = 32, out = 96]; k = output columns 32..<64, as a [out, in] matrix.
        let fused = try checkpoint.tensor("transformer.h.1.attn.c_attn.weight").floats()
        guard case let .dense(k) = model.blocks[1].attention.k.weight else { Issue.record("k not dense"); return }
        #expect(k.shape == [32, 32])
        let kValues = k.floats()
        for o in 0..<32 { for i in 0..<32 { #expect(kValues[o * 32 + i] == fused[i * 96 + 32 + o]) } }
        let bias = try checkpoint.tensor("transformer.h.1.attn.c_attn.bias").floats()
        #expect(model.blocks[1].attention.v.bias?.floats() == Array(bias[64..<96]))
        // The MLP up projection c_fc [32, 128] becomes [128, 32].
        guard case let .dense(up) = model.blocks[0].mlp.up.weight else { Issue.record("up not dense"); return }
        #expect(up.shape == [128, 32])
    }

    @Test func bertWeightsStayMapped() throws {
        let model = try ModelImporter.model(directory: Fixtures.model("tiny-bert")).graph
        guard case let .dense(q) = model.blocks[0].attention.q.weight else { Issue.record("q not dense"); return }
        #expect(q.isMapped && model.embeddings.word.isMapped)
    }

    @Test(.enabled(if: Fixtures.miniLMAvailable))
    func miniLMMatchesTransformersAndTheHandCalculation() throws {
        let imported = try ModelImporter.skeleton(directory: Fixtures.miniLM)
        let s = imported.graph
        // transformers: BertModel.from_pretrained(...).num_parameters() == 22,713,216.
        #expect(s.parameterCount == 22_713_216)
        #expect(imported.buffers == ["embeddings.position_ids"])
        #expect(imported.consumed.count == 104)
        #expect(s.config == .miniLM)
        // Hand calculation in ModelIRTests/CostModelTests: 481,935,360 per layer at n = 128,
        // 442,368 for the embeddings, 295,680 for the pooler.
        #expect(CostModel.flops(s, workload: Workload()).total == 442_368 + 6 * 481_935_360 + 295_680)
    }
}
