import ModelIR
import TensorCore

extension HFStateDict {
    /// `LlamaForCausalLM` / `MistralForCausalLM` / `Qwen2ForCausalLM` names (`model.…`,
    /// `lm_head.weight` only when untied), `nn.Linear` weights [out, in]. Biases are written where
    /// the IR has them; `ExportConfig` sets `attention_bias` / `mlp_bias` so transformers expects
    /// them, and a missing one in a group that has some becomes zeros (`groupBiases`). Rows of a
    /// pruned attention are the kept query heads (and key/value heads), in order.
    static func llama(_ m: Model, path: String) throws(ArtifactError) -> [String: Tensor] {
        guard m.embeddings.norm == nil, m.embeddings.tokenType == nil, m.embeddings.position == nil, m.head.pooler == nil,
              m.head.classifier == nil, let finalNorm = m.head.finalNorm else {
            throw .exportUnsupported(path: path, reason: "a \(m.config.architecture.rawValue) model needs exactly embeddings, blocks and a final norm")
        }
        var out: [String: Tensor] = [:]
        out["model.embed_tokens.weight"] = m.embeddings.word
        for (i, b) in m.blocks.enumerated() {
            let l = "model.layers.\(i)"
            let a = b.attention
            let attention = [("q_proj", a.q), ("k_proj", a.k), ("v_proj", a.v), ("o_proj", a.o)]
            for (name, linear) in attention { out["\(l).self_attn.\(name).weight"] = Densify.weight(linear.weight) }
            for (name, bias) in groupBiases(attention, qwen2: m.config.architecture == .qwen2) { out["\(l).self_attn.\(name).bias"] = bias }
            let mlp = [("gate_proj", b.mlp.gate!), ("up_proj", b.mlp.up), ("down_proj", b.mlp.down)]
            for (name, linear) in mlp { out["\(l).mlp.\(name).weight"] = Densify.weight(linear.weight) }
            for (name, bias) in groupBiases(mlp, qwen2: false) { out["\(l).mlp.\(name).bias"] = bias }
            out["\(l).input_layernorm.weight"] = b.attentionNorm.weight
            out["\(l).post_attention_layernorm.weight"] = b.mlpNorm.weight
        }
        out["model.norm.weight"] = finalNorm.weight
        if let lm = m.head.languageModel {
            guard lm.bias == nil else { throw .exportUnsupported(path: path, reason: "a language-model head with a bias") }
            out["lm_head.weight"] = Densify.weight(lm.weight)
        }
        return out
    }

    /// The biases of a group of linears transformers builds together (Llama's `attention_bias`
    /// gives q, k, v and o one; `mlp_bias` gate, up and down): none when no linear has one, else
    /// each linear's bias or zeros. Qwen2 always has q, k, v biases and never an o bias.
    static func groupBiases(_ group: [(String, Linear<Tensor>)], qwen2: Bool) -> [(String, Tensor)] {
        if qwen2 { return group.filter { $0.0 != "o_proj" }.map { ($0.0, bias($0.1)) } }
        guard group.contains(where: { $0.1.bias != nil }) else { return [] }
        return group.map { ($0.0, bias($0.1)) }
    }
}
