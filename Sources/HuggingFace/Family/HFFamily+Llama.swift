import Artifact
import ModelIR

extension HFFamily {
    /// Llama (`model_type: llama`) as `LlamaForCausalLM` saves it: names with or without the
    /// `model.` prefix (a bare `LlamaModel` has no `lm_head`), `nn.Linear` projections, RMSNorm
    /// weights, a gated MLP; q, k, v, o biases together or none (`attention_bias`), likewise gate,
    /// up, down (`mlp_bias`).
    static let llama = HFFamily(
        architectures: [.llama], basePrefix: "model.", exportPrefix: .always, normsHaveBias: false,
        modules: llamaModules, buffers: llamaBuffers, tiedByDefault: false, tiedLogitScale: false, adapterNorms: true,
        exportBiases: .groups(attention: nil),
        configFields: ConfigFields(mlpWidth: "intermediate_size", exportClass: .whenAbsent("LlamaForCausalLM"), biasFlags: true),
        readConfig: LlamaConfig.read, exportCheck: llamaExportCheck)

    /// Mistral (`MistralForCausalLM`): Llama's names, and no biases (a model given some is
    /// exported as Llama).
    static let mistral = HFFamily(
        architectures: [.mistral], basePrefix: "model.", exportPrefix: .always, normsHaveBias: false,
        modules: llamaModules, buffers: llamaBuffers, tiedByDefault: false, tiedLogitScale: false, adapterNorms: true,
        exportBiases: .groups(attention: nil), configFields: ConfigFields(mlpWidth: "intermediate_size", biasesAs: .llama),
        readConfig: LlamaConfig.read, exportCheck: llamaExportCheck)

    /// Qwen2 (`Qwen2ForCausalLM`): Llama's names, q, k, v biases always and never an o bias (a
    /// model given o or MLP biases is exported as Llama).
    static let qwen2 = HFFamily(
        architectures: [.qwen2], basePrefix: "model.", exportPrefix: .always, normsHaveBias: false,
        modules: llamaModules, buffers: llamaBuffers, tiedByDefault: false, tiedLogitScale: false, adapterNorms: true,
        exportBiases: .groups(attention: ["q", "k", "v"]), configFields: ConfigFields(mlpWidth: "intermediate_size", biasesAs: .llama),
        readConfig: LlamaConfig.read, exportCheck: llamaExportCheck)

    private static let llamaModules = [
        HFModule("embeddings.word", "{p}embed_tokens", .embedding),
        HFModule("blocks.{i}.attention.q", "{p}layers.{i}.self_attn.q_proj", .linear),
        HFModule("blocks.{i}.attention.k", "{p}layers.{i}.self_attn.k_proj", .linear),
        HFModule("blocks.{i}.attention.v", "{p}layers.{i}.self_attn.v_proj", .linear),
        HFModule("blocks.{i}.attention.o", "{p}layers.{i}.self_attn.o_proj", .linear),
        HFModule("blocks.{i}.attention_norm", "{p}layers.{i}.input_layernorm", .norm),
        HFModule("blocks.{i}.mlp.gate", "{p}layers.{i}.mlp.gate_proj", .linear),
        HFModule("blocks.{i}.mlp.up", "{p}layers.{i}.mlp.up_proj", .linear),
        HFModule("blocks.{i}.mlp.down", "{p}layers.{i}.mlp.down_proj", .linear),
        HFModule("blocks.{i}.mlp_norm", "{p}layers.{i}.post_attention_layernorm", .norm),
        HFModule("head.final_norm", "{p}norm", .norm),
        HFModule("head.lm", "lm_head", .linear),
    ]

    private static let llamaBuffers = ["{p}layers.{i}.self_attn.rotary_emb.inv_freq", "{p}rotary_emb.inv_freq"]

    private static let llamaExportCheck: @Sendable (Model, String) throws(ArtifactError) -> Void = { m, path throws(ArtifactError) in
        guard m.embeddings.norm == nil, m.embeddings.tokenType == nil, m.embeddings.position == nil, m.head.pooler == nil,
              m.head.classifier == nil, m.head.finalNorm != nil else {
            throw .exportUnsupported(path: path, reason: "a \(m.config.architecture.rawValue) model needs exactly embeddings, blocks and a final norm")
        }
        if m.head.languageModel?.bias != nil {
            throw .exportUnsupported(path: path, reason: "a language-model head with a bias")
        }
    }
}
