import Foundation
import Testing
import ModelIR
import SafeTensors
import TensorCore
@testable import HuggingFace

/// How PEFT's keys land on IR paths. Oracle: the key names and shapes peft 0.21 saved
/// (Tests/Fixtures/lora, scripts/fixtures/generate_lora.py) and PEFT's scaling rules
/// (s = α/r, α/√r with use_rslora; r and α per module from rank_pattern / alpha_pattern).
@Suite struct PEFTAdapterImportTests {
    static func directory(_ name: String) -> String { Fixtures.root + "/lora/" + name }
    static func skeleton(_ base: String) throws -> Skeleton { try ModelImporter.skeleton(directory: Fixtures.model(base)).graph }
    static func adapter(_ name: String, _ base: String, weight: Float = 1) throws -> LoRAAdapter {
        try PEFTAdapterImporter.adapter(directory: directory(name), weight: weight, for: skeleton(base))
    }

    static func paths(_ layers: Int, _ roles: [String]) -> [LayerPath] {
        (0..<layers).flatMap { i in roles.map { LayerPath.block(i, $0) } }.sorted()
    }

    @Test func bertLoRATargetsQueryValueAndTheMLPUp() throws {
        let adapter = try Self.adapter("bert-lora", "tiny-bert")
        #expect(adapter.name == "bert-lora" && adapter.weight == 1 && adapter.replacements.isEmpty)
        #expect(adapter.updates.map(\.path) == Self.paths(2, ["attention.q", "attention.v", "mlp.up"]))
        #expect(adapter.updates.allSatisfy { $0.scaling == 2 && $0.rank == 4 && $0.bias == nil && $0.magnitude == nil })
        let up = try #require(adapter.updates.first { $0.path == "blocks.1.mlp.up" })
        #expect(up.a.shape == [4, 32] && up.b.shape == [37, 4])
        #expect(up.keys == ["base_model.model.encoder.layer.1.intermediate.dense.lora_A.weight",
                            "base_model.model.encoder.layer.1.intermediate.dense.lora_B.weight"])
    }

    @Test func rsLoRAScalingFollowsThePatterns() throws {
        let adapter = try Self.adapter("bert-rslora", "tiny-bert")
        let scaling = Dictionary(uniqueKeysWithValues: adapter.updates.map { ($0.path.description, ($0.rank, $0.scaling)) })
        // rank_pattern {"key": 2}, alpha_pattern {"layer.1.attention.output.dense": 4}, r 8, α 8.
        #expect(scaling["blocks.0.attention.k"]! == (2, Float(8 / 2.0.squareRoot())))
        #expect(scaling["blocks.1.attention.k"]! == (2, Float(8 / 2.0.squareRoot())))
        #expect(scaling["blocks.0.attention.o"]! == (8, Float(8 / 8.0.squareRoot())))
        #expect(scaling["blocks.1.attention.o"]! == (8, Float(4 / 8.0.squareRoot())))
        // bias: lora_only → the targets' own biases, saved as base_layer.bias.
        #expect(adapter.replacements.map(\.tensor) == ["blocks.0.attention.k.bias", "blocks.0.attention.o.bias",
                                                        "blocks.1.attention.k.bias", "blocks.1.attention.o.bias"])
        #expect(adapter.replacements[0].key == "base_model.model.encoder.layer.0.attention.self.key.base_layer.bias")
    }

    @Test func gpt2FusedAttentionAdapterIsSplitIntoQKVRows() throws {
        let adapter = try Self.adapter("gpt2-lora", "tiny-gpt2")
        #expect(adapter.updates.map(\.path) == Self.paths(2, ["attention.q", "attention.k", "attention.v", "mlp.up"]))
        let file = try SafeTensorsFile(path: Self.directory("gpt2-lora") + "/adapter_model.safetensors")
        let fusedA = try file.tensor("base_model.model.transformer.h.1.attn.c_attn.lora_A.weight")
        let fusedB = try file.tensor("base_model.model.transformer.h.1.attn.c_attn.lora_B.weight").floats()
        #expect(fusedA.shape == [4, 32])  // PEFT keeps nn.Linear layout even with fan_in_fan_out
        for (i, part) in ["q", "k", "v"].enumerated() {
            let u = try #require(adapter.updates.first { $0.path == .block(1, "attention.\(part)") })
            #expect(u.a == fusedA)
            #expect(u.b.shape == [32, 4] && u.b.floats() == Array(fusedB[(i * 128)..<((i + 1) * 128)]))
        }
        // bias: all → every bias of the model, LayerNorms and the c_attn bias (split) included.
        let bias = try file.tensor("base_model.model.transformer.h.0.attn.c_attn.base_layer.bias").floats()
        let v = try #require(adapter.replacements.first { $0.tensor == "blocks.0.attention.v.bias" })
        #expect(v.value.floats() == Array(bias[64..<96]))
        #expect(adapter.replacements.map(\.tensor).sorted() == ([
            "head.final_norm.bias",
        ] + (0..<2).flatMap { i in ["attention.q", "attention.k", "attention.v", "attention.o", "mlp.up", "mlp.down",
                                    "attention_norm", "mlp_norm"].map { "blocks.\(i).\($0).bias" } }).sorted())
    }

    @Test func doraMagnitudesAreSplitWithTheirRows() throws {
        let adapter = try Self.adapter("gpt2-dora", "tiny-gpt2")
        #expect(adapter.updates.map(\.path) == Self.paths(2, ["attention.q", "attention.k", "attention.v", "mlp.down"]))
        let file = try SafeTensorsFile(path: Self.directory("gpt2-dora") + "/adapter_model.safetensors")
        let m = try file.tensor("base_model.model.transformer.h.0.attn.c_attn.lora_magnitude_vector").floats()
        let k = try #require(adapter.updates.first { $0.path == "blocks.0.attention.k" })
        #expect(k.magnitude?.floats() == Array(m[32..<64]))
        let down = try #require(adapter.updates.first { $0.path == "blocks.0.mlp.down" })
        #expect(down.a.shape == [4, 128] && down.b.shape == [32, 4] && down.magnitude?.shape == [32])
    }

    @Test func modulesToSaveReplaceTheClassifierAndLoraBiasIsKept() throws {
        let adapter = try Self.adapter("bert-cls-save", "tiny-bert-cls")
        #expect(adapter.replacements.map(\.tensor) == ["head.classifier.bias", "head.classifier.weight"])
        #expect(adapter.replacements.map(\.key) == ["base_model.model.classifier.bias", "base_model.model.classifier.weight"])
        #expect(adapter.updates.map(\.path) == Self.paths(2, ["attention.q", "attention.v"]))
        #expect(adapter.updates.allSatisfy { $0.bias?.shape == [32] })
    }

    @Test func biasAllAndModulesToSaveCoverNormsEmbeddingsAndTheWrappersInsides() throws {
        let adapter = try Self.adapter("bert-bias-all", "tiny-bert")
        #expect(adapter.updates.map(\.path) == Self.paths(2, ["attention.o", "attention.q", "mlp.down"]))
        let modules = ["attention.q", "attention.k", "attention.v", "attention.o", "mlp.up", "mlp.down", "attention_norm", "mlp_norm"]
        let biases: [String] = (0..<2).flatMap { i in modules.map { "blocks.\(i).\($0).bias" } }
        let expected: [String] = (["embeddings.norm.bias", "embeddings.word", "head.pooler.bias", "head.pooler.weight"] + biases).sorted()
        #expect(adapter.replacements.map(\.tensor) == expected)
        // pooler.dense.bias is also saved as pooler.modules_to_save.default.dense.bias; the frozen
        // original sits under pooler.original_module.
        #expect(adapter.unusedKeys == ["base_model.model.pooler.modules_to_save.default.dense.bias",
                                       "base_model.model.pooler.original_module.dense.bias"])
    }

    @Test func savedGPT2ModulesAreTransposedAndSplit() throws {
        let adapter = try Self.adapter("gpt2-save", "tiny-gpt2")
        #expect(adapter.updates.map(\.path) == Self.paths(2, ["mlp.up"]))
        let file = try SafeTensorsFile(path: Self.directory("gpt2-save") + "/adapter_model.safetensors")
        let fused = try file.tensor("base_model.model.transformer.h.0.attn.c_attn.weight")  // [32, 96] = [in, q|k|v]
        #expect(fused.shape == [32, 96])
        let k = try #require(adapter.replacements.first { $0.tensor == "blocks.0.attention.k.weight" })
        #expect(k.value == fused.transposed().rows(32..<64))
        #expect(adapter.replacements.map(\.tensor).filter { !$0.hasPrefix("blocks") }
                == ["embeddings.position", "head.final_norm.bias", "head.final_norm.weight"])
    }

    @Test(arguments: ["bert-lora", "bert-rslora", "bert-bias-all", "gpt2-lora", "gpt2-dora", "gpt2-save", "bert-cls-save"])
    func headerCheckAgreesWithTheLoadedAdapter(name: String) throws {
        let base = ["bert-lora": "tiny-bert", "bert-rslora": "tiny-bert", "bert-bias-all": "tiny-bert", "gpt2-lora": "tiny-gpt2",
                    "gpt2-dora": "tiny-gpt2", "gpt2-save": "tiny-gpt2", "bert-cls-save": "tiny-bert-cls"][name]!
        let summary = try PEFTAdapterImporter.check(directory: Self.directory(name), for: Self.skeleton(base))
        let adapter = try Self.adapter(name, base)
        #expect(summary.updated == adapter.updates.map(\.path))
        #expect(summary.replaced == adapter.replacements.map(\.tensor))
        #expect(summary.dora == (name == "gpt2-dora"))
        #expect(summary.unused == adapter.unusedKeys)
    }

    @Test func adapterArgumentsCarryAnOptionalWeight() {
        #expect(PEFTAdapterImporter.parse("adapters/a:0.5") == ("adapters/a", 0.5))
        #expect(PEFTAdapterImporter.parse("adapters/a:-1") == ("adapters/a", -1))
        #expect(PEFTAdapterImporter.parse("adapters/a") == ("adapters/a", nil))
        #expect(PEFTAdapterImporter.parse("c:/x") == ("c:/x", nil))
    }
}
