import Artifact
import ModelIR

extension HFFamily {
    /// T5 (`model_type: t5`) as `T5ForConditionalGeneration` saves it: `shared` word embeddings
    /// (the stacks' `embed_tokens` are saved copies), `{encoder,decoder}.block.<i>.layer.<j>` with
    /// j = 0 self-attention, then cross-attention (`EncDecAttention`, decoder only), then the
    /// feed-forward `DenseReluDense` (`wi` plain; `wi_0` gate and `wi_1` up when gated; `wo`),
    /// RMS-style norms, no biases, each stack's relative position bias in its block 0, and
    /// `lm_head` tied to `shared` with the hidden state scaled by d^−½ (or untied, unscaled).
    static let t5 = HFFamily(
        architectures: [.t5], basePrefix: "", exportPrefix: .always, normsHaveBias: false,
        modules: [
            HFModule("embeddings.word", "shared", .embedding),
            HFModule("embeddings.word", "encoder.embed_tokens", .copy),
            HFModule("embeddings.word", "decoder.embed_tokens", .copy),
            HFModule("embeddings.relative_bias", "encoder.block.0.layer.0.SelfAttention.relative_attention_bias", .table),
        ] + t5Stack("blocks.{i}", "encoder.block.{i}", decoder: false) + [
            HFModule("head.final_norm", "encoder.final_layer_norm", .norm),
        ] + t5Stack("decoder.blocks.{i}", "decoder.block.{i}", decoder: true) + [
            HFModule("decoder.final_norm", "decoder.final_layer_norm", .norm),
            HFModule("decoder.relative_bias", "decoder.block.0.layer.0.SelfAttention.relative_attention_bias", .table),
            HFModule("head.lm", "lm_head", .linear),
        ],
        buffers: [], tiedByDefault: true, tiedLogitScale: true, adapterNorms: false, exportBiases: .never,
        configFields: ConfigFields(mlpWidth: "d_ff"),
        readConfig: { json, _ throws(ImportError) in try T5Config.read(json) },
        exportCheck: { m, path throws(ArtifactError) in
            guard let decoder = m.decoder, m.head.finalNorm != nil, m.embeddings.relativeBias != nil, decoder.relativeBias != nil else {
                throw .exportUnsupported(path: path, reason: "a T5 model needs both stacks, their relative bias tables and final norms")
            }
            let h = m.config.headCount
            if (m.blocks + decoder.blocks).contains(where: { b in ([b.attention] + (b.crossAttention.map { [$0] } ?? [])).contains { $0.keptHeads.count < h } }) {
                throw .exportUnsupported(path: path, reason: "T5 checkpoints cannot describe pruned heads; export before head-prune, or keep the .pare artifact")
            }
            if m.linears.contains(where: { $0.linear.bias != nil }) {
                throw .exportUnsupported(path: path, reason: "a pass gave a T5 linear a bias, which T5 cannot load; use reconstruction=none in head-prune / ffn-prune for a model you export")
            }
        })

    /// The rows of one T5 stack: IR block prefix `ir`, Hugging Face block prefix `hf`.
    private static func t5Stack(_ ir: String, _ hf: String, decoder: Bool) -> [HFModule] {
        let mlp = decoder ? 2 : 1
        var rows: [HFModule] = []
        for part in ["q", "k", "v", "o"] {
            rows.append(HFModule("\(ir).attention.\(part)", "\(hf).layer.0.SelfAttention.\(part)", .linear))
        }
        rows.append(HFModule("\(ir).attention_norm", "\(hf).layer.0.layer_norm", .norm))
        if decoder {
            for part in ["q", "k", "v", "o"] {
                rows.append(HFModule("\(ir).cross_attention.\(part)", "\(hf).layer.1.EncDecAttention.\(part)", .linear))
            }
            rows.append(HFModule("\(ir).cross_attention_norm", "\(hf).layer.1.layer_norm", .norm))
        }
        let ff = "\(hf).layer.\(mlp).DenseReluDense"
        rows += [HFModule("\(ir).mlp.up", "\(ff).wi", .linear, mlp: .plain),
                 HFModule("\(ir).mlp.up", "\(ff).wi_1", .linear, mlp: .gated),
                 HFModule("\(ir).mlp.gate", "\(ff).wi_0", .linear, mlp: .gated),
                 HFModule("\(ir).mlp.down", "\(ff).wo", .linear),
                 HFModule("\(ir).mlp_norm", "\(hf).layer.\(mlp).layer_norm", .norm)]
        return rows
    }
}
