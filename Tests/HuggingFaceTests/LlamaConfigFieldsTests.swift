import Foundation
@testable import HuggingFace
import ModelIR
import SafeTensors
import Testing
import TensorCore

/// transformers' `LlamaConfig` fields beyond d/H heads and bias-free linears: `head_dim` sets
/// d_h (H·d_h may differ from d), `attention_bias` / `mlp_bias` say which linears hold a bias,
/// as transformers builds them (a bias the flags deny is an unexpected weight, one they
/// promise a missing one). Qwen2 always has q, k, v biases; Mistral none.
@Suite final class LlamaConfigFieldsTests {
    let directory = Fixtures.temporaryDirectory()
    deinit { try? FileManager.default.removeItem(atPath: directory) }

    /// A copy of `fixture` with `edit` applied to its tensors and `from` → `to` in config.json.
    func copy(_ fixture: String, _ from: String = "", _ to: String = "", edit: (inout [String: Tensor]) -> Void = { _ in }) throws -> String {
        let source = Fixtures.model(fixture), checkpoint = try Checkpoint(directory: source)
        var tensors: [String: Tensor] = [:]
        for name in checkpoint.names { tensors[name] = try checkpoint.tensor(name) }
        edit(&tensors)
        try SafeTensorsWriter.write(tensors, metadata: ["format": "pt"], to: directory + "/model.safetensors")
        let config = try String(contentsOfFile: source + "/config.json", encoding: .utf8)
        try config.replacingOccurrences(of: from, with: to).write(toFile: directory + "/config.json", atomically: true, encoding: .utf8)
        return directory
    }

    func failure(_ dir: String) -> String? {
        do { _ = try ModelImporter.skeleton(directory: dir); return nil } catch {
            return error.description.replacingOccurrences(of: dir, with: "m")
        }
    }

    /// head_dim 16 with 4 heads on d = 32: q [64, 32], k, v [32, 32] (2 key/value heads), o [32, 64].
    @Test func headDimSetsTheHeadWidth() throws {
        let dir = try copy("tiny-llama", "\"head_dim\": 8", "\"head_dim\": 16") { t in
            for i in 0..<2 {
                let at = "model.layers.\(i).self_attn."
                t[at + "q_proj.weight"] = Tensor([Float](repeating: 0.01, count: 64 * 32), shape: [64, 32])
                t[at + "k_proj.weight"] = Tensor([Float](repeating: 0.01, count: 32 * 32), shape: [32, 32])
                t[at + "v_proj.weight"] = Tensor([Float](repeating: 0.01, count: 32 * 32), shape: [32, 32])
                t[at + "o_proj.weight"] = Tensor([Float](repeating: 0.01, count: 32 * 64), shape: [32, 64])
            }
        }
        let m = try ModelImporter.skeleton(directory: dir).graph
        #expect(m.config.headDim == 16 && m.config.declaredHeadDim == 16 && m.config.headCount == 4 && m.config.kvHeadCount == 2)
        #expect(m.blocks[1].attention.q.outFeatures == 64 && m.blocks[1].attention.o.inFeatures == 64 && m.blocks[1].attention.kvSize == 32)
        // d/H written out is no declared width: the config encodes as before.
        #expect(try ModelImporter.config(directory: Fixtures.model("tiny-llama")).declaredHeadDim == nil)
        #expect(failure(try copy("tiny-llama", "\"head_dim\": 8", "\"head_dim\": 0")) == "m/config.json: 'head_dim' must be positive; fix config.json or re-export the checkpoint with transformers")
    }

    /// A declared d_h is stored in an artifact's config (key `headDim`) and read back; d/H is not written.
    @Test func declaredHeadDimIsEncodedOnlyWhenItIsNotDOverH() throws {
        let plain = try ModelImporter.config(directory: Fixtures.model("tiny-llama"))
        var declared = plain
        declared.declaredHeadDim = 16
        let encoded = try JSONEncoder().encode(declared)
        #expect(try JSONDecoder().decode(ModelConfig.self, from: encoded) == declared)
        #expect(String(decoding: encoded, as: UTF8.self).contains("\"headDim\":16"))
        #expect(!String(decoding: try JSONEncoder().encode(plain), as: UTF8.self).contains("headDim"))
    }

    /// `pruned_heads` (BERT, GPT-2) must name layers and heads that exist and leave each layer a head.
    @Test func prunedHeadsOutsideTheModelAreRefused() throws {
        let edit = "\"num_attention_heads\": 4,"
        #expect(failure(try copy("tiny-bert", edit, edit + " \"pruned_heads\": {\"2\": [0]},"))
            == "m/config.json: 'pruned_heads' must map layer indices below 2 to head indices below 4; fix config.json or re-export the checkpoint with transformers")
        #expect(failure(try copy("tiny-bert", edit, edit + " \"pruned_heads\": {\"0\": [0, 1, 2, 3]},"))
            == "m/config.json: 'pruned_heads' removes every head of layer 0; fix config.json or re-export the checkpoint with transformers")
    }

    @Test func biasFlagsSayWhichLinearsHoldABias() throws {
        let promised = try copy("tiny-llama", "\"mlp_bias\": false", "\"mlp_bias\": true")
        #expect(failure(promised) == "m: tensor 'model.layers.0.mlp.up_proj.bias' is missing (expected shape [48]); the checkpoint is incomplete or not of the architecture config.json names")
        let denied = try copy("tiny-llama") { $0["model.layers.1.self_attn.o_proj.bias"] = Tensor([Float](repeating: 0, count: 32), shape: [32]) }
        #expect(failure(denied) == "m: 1 tensor(s) not used by the model import: 'model.layers.1.self_attn.o_proj.bias'; Pare does not silently drop weights: remove them or use a supported head")
        let mistral = try copy("tiny-mistral") { $0["model.layers.0.mlp.down_proj.bias"] = Tensor([Float](repeating: 0, count: 32), shape: [32]) }
        #expect(failure(mistral) == "m: 1 tensor(s) not used by the model import: 'model.layers.0.mlp.down_proj.bias'; Pare does not silently drop weights: remove them or use a supported head")

        let biased = try copy("tiny-llama", "\"attention_bias\": false", "\"attention_bias\": true") { t in
            for i in 0..<2 {
                for (p, n) in [("q", 32), ("k", 16), ("v", 16), ("o", 32)] {
                    t["model.layers.\(i).self_attn.\(p)_proj.bias"] = Tensor((0..<n).map { Float($0) / 8 }, shape: [n])
                }
            }
        }
        let a = try ModelImporter.model(directory: biased).graph.blocks[1].attention
        #expect(a.k.bias?.floats() == (0..<16).map { Float($0) / 8 } && a.o.bias?.shape == [32])
        let qwen = try ModelImporter.skeleton(directory: Fixtures.model("tiny-qwen2")).graph.blocks[0]
        #expect(qwen.attention.v.bias != nil && qwen.attention.o.bias == nil && qwen.mlp.down.bias == nil)
    }
}
