import Foundation
import JSON
import ModelIR

/// The Llama family (`model_type` `llama`, `mistral`, `qwen2`) as `LlamaForCausalLM`,
/// `MistralForCausalLM` and `Qwen2ForCausalLM` save it: pre-norm blocks with RMSNorm, rotary
/// positions, grouped-query attention (`num_key_value_heads`), a gated MLP
/// down(act(gate(x)) ⊙ up(x)), q/k/v biases where the checkpoint has them (Qwen2, Llama's
/// `attention_bias`), and `lm_head` tied to `embed_tokens` when `tie_word_embeddings` is true.
/// Names with or without the `model.` prefix (a bare `LlamaModel` has no `lm_head`).
enum LlamaImporter {
    static func config(_ json: ConfigJSON, _ architecture: Architecture) throws(ImportError) -> ModelConfig {
        let activation: Activation
        switch json.string("hidden_act") ?? "silu" {
        case "silu", "swish": activation = .silu
        case "gelu": activation = .gelu
        case "gelu_pytorch_tanh", "gelu_new": activation = .geluTanh
        case "relu": activation = .relu
        case let other:
            throw .unsupportedSetting(path: json.path, key: "hidden_act", value: other, supported: "silu, gelu, gelu_pytorch_tanh or relu")
        }
        let d = try json.int("hidden_size"), heads = try json.int("num_attention_heads")
        if let headDim = try json.optionalInt("head_dim"), heads > 0, headDim != d / heads {
            throw .unsupportedSetting(path: json.path, key: "head_dim", value: "\(headDim)",
                                      supported: "hidden_size / num_attention_heads = \(d / heads)")
        }
        if json.bool("mlp_bias", default: false) {
            throw .unsupportedSetting(path: json.path, key: "mlp_bias", value: "true", supported: "false")
        }
        return ModelConfig(
            architecture: architecture, vocabSize: try json.int("vocab_size"), hiddenSize: d,
            layerCount: try json.int("num_hidden_layers"), headCount: heads,
            intermediateSize: try json.int("intermediate_size"),
            maxPositions: try json.int("max_position_embeddings"), typeVocabSize: 0,
            layerNormEpsilon: Float(try json.double("rms_norm_eps", default: 1e-6)),
            activation: activation, normPlacement: .pre, causal: true,
            kvHeadCount: try json.optionalInt("num_key_value_heads") ?? heads, norm: .rms, mlpKind: .gated,
            rotary: RotaryEmbedding(theta: try json.double("rope_theta", default: 10_000), scaling: try ropeScaling(json)),
            slidingWindow: try slidingWindow(json, architecture))
    }

    /// `rope_scaling`: none, `linear` or `llama3` (frequencies that do not depend on the sequence
    /// length); the others (`dynamic`, `yarn`, `longrope`, ...) are refused by name.
    static func ropeScaling(_ json: ConfigJSON) throws(ImportError) -> RotaryScaling? {
        guard json.has("rope_scaling") else { return nil }
        guard let scaling = json["rope_scaling"], scaling.members != nil else {
            throw .configInvalid(path: json.path, reason: "'rope_scaling' must be an object or null")
        }
        let type = scaling["rope_type"]?.stringValue ?? scaling["type"]?.stringValue ?? "default"
        func number(_ key: String) -> Double? { scaling[key]?.doubleValue }
        switch type {
        case "default":
            return nil
        case "linear", "llama3":
            guard let factor = number("factor"), factor > 0 else {
                throw .configInvalid(path: json.path, reason: "'rope_scaling.factor' must be a positive number")
            }
            if type == "linear" { return RotaryScaling(kind: .linear, factor: factor) }
            guard let low = number("low_freq_factor"), let high = number("high_freq_factor"), high > low,
                  let original = number("original_max_position_embeddings"), original > 0 else {
                throw .configInvalid(path: json.path, reason: "'rope_scaling' of type llama3 needs low_freq_factor < high_freq_factor and original_max_position_embeddings")
            }
            return RotaryScaling(kind: .llama3, factor: factor, lowFrequencyFactor: low, highFrequencyFactor: high,
                                 originalMaxPositions: Int(original))
        default:
            throw .unsupportedSetting(path: json.path, key: "rope_scaling.rope_type", value: type,
                                      supported: "default, linear or llama3 (frequencies that do not depend on the sequence length)")
        }
    }

    /// W when every layer attends within a sliding window, nil when none does; a mix is refused.
    /// Which layers slide: `layer_types` when config.json lists them (transformers 4.57 writes
    /// it), else Mistral's every layer when `sliding_window` is set, and Qwen2's layers from
    /// `max_window_layers` on when `use_sliding_window` is true.
    static func slidingWindow(_ json: ConfigJSON, _ architecture: Architecture) throws(ImportError) -> Int? {
        let layers = try json.int("num_hidden_layers")
        let window = try json.optionalInt("sliding_window")
        let sliding: [Bool]
        if let types = json.strings("layer_types") {
            guard types.count == layers, types.allSatisfy({ ["full_attention", "sliding_attention"].contains($0) }) else {
                throw .configInvalid(path: json.path, reason: "'layer_types' must list full_attention or sliding_attention for each of the \(layers) layers")
            }
            sliding = types.map { $0 == "sliding_attention" }
        } else if architecture == .qwen2 {
            let from = try json.optionalInt("max_window_layers") ?? layers
            sliding = (0..<layers).map { json.bool("use_sliding_window", default: false) && window != nil && $0 >= from }
        } else {
            sliding = Array(repeating: window != nil, count: layers)
        }
        guard sliding.contains(true) else { return nil }
        guard !sliding.contains(false) else {
            throw .unsupportedSetting(path: json.path, key: "layer_types", value: "a mix of sliding and full attention",
                                      supported: "one kind for every layer (for Qwen2: use_sliding_window false, or max_window_layers 0)")
        }
        guard let window, window > 0 else {
            throw .configInvalid(path: json.path, reason: "sliding attention needs a positive 'sliding_window'")
        }
        return window
    }

    static func graph<S>(_ c: ModelConfig, tied: Bool, _ t: inout TensorTaker<S>) throws(ImportError) -> ModelGraph<S.T> {
        let p = t.has("model.embed_tokens.weight") ? "model." : ""
        let d = c.hiddenSize, kv = c.kvHeadCount * c.headDim, ff = c.intermediateSize
        func norm(_ name: String) throws(ImportError) -> LayerNorm<S.T> {
            LayerNorm(weight: try t.take("\(name).weight", [d]), bias: nil)
        }
        let embeddings = Embeddings<S.T>(word: try t.take("\(p)embed_tokens.weight", [c.vocabSize, d]), position: nil,
                                         tokenType: nil, norm: nil)
        var blocks: [Block<S.T>] = []
        for i in 0..<c.layerCount {
            let l = "\(p)layers.\(i)"
            t.acceptBuffer("\(l).self_attn.rotary_emb.inv_freq")
            let attention = Attention(
                q: try t.takeLinear("\(l).self_attn.q_proj", in: d, out: d),
                k: try t.takeLinear("\(l).self_attn.k_proj", in: d, out: kv),
                v: try t.takeLinear("\(l).self_attn.v_proj", in: d, out: kv),
                o: try t.takeLinear("\(l).self_attn.o_proj", in: d, out: d),
                headDim: c.headDim, keptHeads: Array(0..<c.headCount), queriesPerKVHead: c.queriesPerKVHead)
            blocks.append(Block(
                attention: attention, attentionNorm: try norm("\(l).input_layernorm"),
                mlp: MLP(up: try t.takeLinear("\(l).mlp.up_proj", in: d, out: ff),
                         down: try t.takeLinear("\(l).mlp.down_proj", in: ff, out: d),
                         gate: try t.takeLinear("\(l).mlp.gate_proj", in: d, out: ff)),
                mlpNorm: try norm("\(l).post_attention_layernorm")))
        }
        t.acceptBuffer("\(p)rotary_emb.inv_freq")
        var head = Head<S.T>(finalNorm: try norm("\(p)norm"))
        if tied {
            head.tiedToEmbeddings = true
            t.acceptBuffer("lm_head.weight")
        } else {
            head.languageModel = try t.takeLinear("lm_head", in: d, out: c.vocabSize)
        }
        return ModelGraph(config: c, embeddings: embeddings, blocks: blocks, head: head)
    }
}
