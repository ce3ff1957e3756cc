import Artifact
import ModelIR

extension HFFamily {
    /// GPT-2 (`model_type: gpt2`) as `GPT2Model` / `GPT2LMHeadModel` save it: names with or without
    /// the `transformer.` prefix, `Conv1D` weights stored [in, out], q | k | v fused into `c_attn`,
    /// and `lm_head` tied to `wte` unless `tie_word_embeddings` is false.
    static let gpt2 = HFFamily(
        architectures: [.gpt2], basePrefix: "transformer.", exportPrefix: .always, normsHaveBias: true,
        modules: [
            HFModule("embeddings.word", "{p}wte", .embedding),
            HFModule("embeddings.position", "{p}wpe", .embedding),
            HFModule("blocks.{i}.attention.q", "{p}h.{i}.attn.c_attn", .fused(part: 0, of: 3)),
            HFModule("blocks.{i}.attention.k", "{p}h.{i}.attn.c_attn", .fused(part: 1, of: 3)),
            HFModule("blocks.{i}.attention.v", "{p}h.{i}.attn.c_attn", .fused(part: 2, of: 3)),
            HFModule("blocks.{i}.attention.o", "{p}h.{i}.attn.c_proj", .conv1D),
            HFModule("blocks.{i}.attention_norm", "{p}h.{i}.ln_1", .norm),
            HFModule("blocks.{i}.mlp.up", "{p}h.{i}.mlp.c_fc", .conv1D),
            HFModule("blocks.{i}.mlp.down", "{p}h.{i}.mlp.c_proj", .conv1D),
            HFModule("blocks.{i}.mlp_norm", "{p}h.{i}.ln_2", .norm),
            HFModule("head.final_norm", "{p}ln_f", .norm),
            HFModule("head.lm", "lm_head", .linear),
        ],
        buffers: ["{p}h.{i}.attn.bias", "{p}h.{i}.attn.masked_bias"],
        tiedByDefault: true, tiedLogitScale: false, adapterNorms: true, exportBiases: .always,
        configFields: ConfigFields(mlpWidth: "n_inner", exportClass: .whenAbsent("GPT2LMHeadModel")),
        readConfig: { json, _ throws(ImportError) in try gpt2Config(json) },
        exportCheck: { m, path throws(ArtifactError) in
            guard m.embeddings.norm == nil, m.embeddings.tokenType == nil, m.head.pooler == nil, m.head.classifier == nil,
                  m.head.finalNorm != nil else {
                throw .exportUnsupported(path: path, reason: "a GPT-2 model needs exactly embeddings, blocks and a final norm (no pooler, classifier or token types)")
            }
            if m.head.languageModel?.bias != nil {
                throw .exportUnsupported(path: path, reason: "a GPT-2 language-model head with a bias")
            }
        })

    private static func gpt2Config(_ json: ConfigJSON) throws(ImportError) -> ModelConfig {
        let activation: Activation
        switch json.string("activation_function") ?? "gelu_new" {
        case "gelu_new", "gelu_pytorch_tanh", "gelu_fast": activation = .geluTanh
        case "gelu": activation = .gelu
        case "relu": activation = .relu
        case let other:
            throw .unsupportedSetting(path: json.path, key: "activation_function", value: other,
                                      supported: "gelu_new, gelu_pytorch_tanh, gelu or relu")
        }
        for key in ["scale_attn_by_inverse_layer_idx", "reorder_and_upcast_attn"] where json.bool(key, default: false) {
            throw .unsupportedSetting(path: json.path, key: key, value: "true", supported: "false")
        }
        let d = try json.int("n_embd")
        return ModelConfig(
            architecture: .gpt2, vocabSize: try json.int("vocab_size"), hiddenSize: d,
            layerCount: try json.int("n_layer"), headCount: try json.int("n_head"),
            intermediateSize: try json.optionalInt("n_inner") ?? 4 * d,
            maxPositions: try json.int("n_positions"), typeVocabSize: 0,
            layerNormEpsilon: Float(try json.double("layer_norm_epsilon", default: 1e-5)),
            activation: activation, normPlacement: .pre, causal: true)
    }
}
