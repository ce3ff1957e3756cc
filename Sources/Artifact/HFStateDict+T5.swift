import ModelIR
import TensorCore

extension HFStateDict {
    /// `T5ForConditionalGeneration` names (T5Importer's in reverse): `shared`, the encoder's and
    /// decoder's `block.<i>.layer.<j>` (SelfAttention; EncDecAttention in the decoder;
    /// DenseReluDense `wi` or `wi_0` (gate) / `wi_1` (up), and `wo`), each stack's
    /// `relative_attention_bias` in its block 0 and `final_layer_norm`, and `lm_head` when untied.
    /// T5 has no biases: a linear a pass gave one is refused, as is a pruned head (its config has
    /// no way to say which).
    static func t5(_ m: Model, path: String) throws(ArtifactError) -> [String: Tensor] {
        guard let decoder = m.decoder, let encoderNorm = m.head.finalNorm, let encoderBias = m.embeddings.relativeBias,
              let decoderBias = decoder.relativeBias else {
            throw .exportUnsupported(path: path, reason: "a T5 model needs both stacks, their relative bias tables and final norms")
        }
        let h = m.config.headCount
        let blocks = m.blocks + decoder.blocks
        if blocks.contains(where: { b in ([b.attention] + (b.crossAttention.map { [$0] } ?? [])).contains { $0.keptHeads.count < h } }) {
            throw .exportUnsupported(path: path, reason: "T5 checkpoints cannot describe pruned heads; export before head-prune, or keep the .pare artifact")
        }
        if m.linears.contains(where: { $0.linear.bias != nil }) {
            throw .exportUnsupported(path: path, reason: "a pass gave a T5 linear a bias, which T5 cannot load; use reconstruction=none in head-prune / ffn-prune for a model you export")
        }
        var out: [String: Tensor] = ["shared.weight": m.embeddings.word, "encoder.final_layer_norm.weight": encoderNorm.weight,
                                     "decoder.final_layer_norm.weight": decoder.finalNorm.weight,
                                     "encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight": encoderBias,
                                     "decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight": decoderBias]
        func attention(_ a: Attention<Tensor>, _ prefix: String) {
            for (name, l) in [("q", a.q), ("k", a.k), ("v", a.v), ("o", a.o)] { out["\(prefix).\(name).weight"] = Densify.weight(l.weight) }
        }
        func mlp(_ mlp: MLP<Tensor>, _ prefix: String) {
            if let gate = mlp.gate {
                out["\(prefix).wi_0.weight"] = Densify.weight(gate.weight)
                out["\(prefix).wi_1.weight"] = Densify.weight(mlp.up.weight)
            } else {
                out["\(prefix).wi.weight"] = Densify.weight(mlp.up.weight)
            }
            out["\(prefix).wo.weight"] = Densify.weight(mlp.down.weight)
        }
        for (i, b) in m.blocks.enumerated() {
            let l = "encoder.block.\(i).layer"
            attention(b.attention, "\(l).0.SelfAttention")
            out["\(l).0.layer_norm.weight"] = b.attentionNorm.weight
            mlp(b.mlp, "\(l).1.DenseReluDense")
            out["\(l).1.layer_norm.weight"] = b.mlpNorm.weight
        }
        for (i, b) in decoder.blocks.enumerated() {
            let l = "decoder.block.\(i).layer"
            attention(b.attention, "\(l).0.SelfAttention")
            out["\(l).0.layer_norm.weight"] = b.attentionNorm.weight
            if let cross = b.crossAttention, let norm = b.crossAttentionNorm {
                attention(cross, "\(l).1.EncDecAttention")
                out["\(l).1.layer_norm.weight"] = norm.weight
            }
            mlp(b.mlp, "\(l).2.DenseReluDense")
            out["\(l).2.layer_norm.weight"] = b.mlpNorm.weight
        }
        if let lm = m.head.languageModel { out["lm_head.weight"] = Densify.weight(lm.weight) }
        return out
    }
}
