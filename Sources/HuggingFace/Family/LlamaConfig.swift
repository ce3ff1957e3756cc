import Foundation
import JSON
import ModelIR

/// The config.json of the Llama family (`model_type` `llama`, `mistral`, `qwen2`): pre-norm
/// blocks with RMSNorm, rotary positions, grouped-query attention (`num_key_value_heads`), a gated
/// MLP down(act(gate(x)) ⊙ up(x)); the names are in `HFFamily.llama` and `HFFamily.qwen2`.
/// `head_dim` (d_h when it is not d/H, as after head pruning) is read by all three; the bias
/// flags (`attention_bias`, `mlp_bias`) need nothing here: a linear has a bias when the
/// checkpoint holds one.
enum LlamaConfig {
    static func read(_ json: ConfigJSON, _ architecture: Architecture) throws(ImportError) -> ModelConfig {
        let activation: Activation
        switch json.string("hidden_act") ?? "silu" {
        case "silu", "swish": activation = .silu
        case "gelu": activation = .gelu
        case "gelu_pytorch_tanh", "gelu_new": activation = .geluTanh
        case "relu": activation = .relu
        case let other:
            throw .unsupportedSetting(path: json.path, key: "hidden_act", value: other, supported: "silu, gelu, gelu_pytorch_tanh or relu")
        }
        let headDim = try json.optionalInt("head_dim")
        if headDim == 0 {
            throw .configInvalid(path: json.path, reason: "'head_dim' must be positive")
        }
        return ModelConfig(
            architecture: architecture, vocabSize: try json.int("vocab_size"), hiddenSize: try json.int("hidden_size"),
            layerCount: try json.int("num_hidden_layers"), headCount: try json.int("num_attention_heads"),
            intermediateSize: try json.int("intermediate_size"),
            maxPositions: try json.int("max_position_embeddings"), typeVocabSize: 0,
            layerNormEpsilon: Float(try json.double("rms_norm_eps", default: 1e-6)),
            activation: activation, normPlacement: .pre, causal: true,
            kvHeadCount: try json.optionalInt("num_key_value_heads"), norm: .rms, mlpKind: .gated,
            rotary: RotaryEmbedding(theta: try json.double("rope_theta", default: 10_000), scaling: try ropeScaling(json)),
            slidingWindow: try slidingWindow(json, architecture), headDim: headDim)
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
}
