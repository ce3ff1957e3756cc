import ModelIR

/// The config.json of T5 (`model_type: t5`, v1.0 and v1.1 / Flan-T5): `d_model`, `num_heads` ·
/// `d_kv`, `feed_forward_proj`, relative position buckets; the names are in `HFFamily.t5`.
enum T5Config {
    static func read(_ json: ConfigJSON) throws(ImportError) -> ModelConfig {
        let d = try json.int("d_model"), heads = try json.int("num_heads"), dkv = try json.int("d_kv")
        guard heads > 0, dkv * heads == d else {
            throw .unsupportedSetting(path: json.path, key: "d_kv", value: "\(dkv)",
                                      supported: "d_model / num_heads (\(heads > 0 ? d / heads : 0)); Pare needs num_heads · d_kv = d_model")
        }
        let projection = json.string("feed_forward_proj") ?? "relu"
        let parts = projection.split(separator: "-").map(String.init)
        let gated = parts.count == 2 && parts[0] == "gated"
        guard parts.count == 1 || gated else {
            throw .unsupportedSetting(path: json.path, key: "feed_forward_proj", value: projection,
                                      supported: "relu, gelu, gated-gelu, gated-relu or gated-silu")
        }
        let activation: Activation
        switch (parts.last!, gated) {
        case ("gelu", true), ("gelu_new", _): activation = .geluTanh   // transformers maps gated-gelu to gelu_new
        case ("gelu", false): activation = .gelu
        case ("relu", _): activation = .relu
        case ("silu", _): activation = .silu
        case let (other, _):
            throw .unsupportedSetting(path: json.path, key: "feed_forward_proj", value: other,
                                      supported: "relu, gelu, gated-gelu, gated-relu or gated-silu")
        }
        let layers = try json.int("num_layers")
        let start: Int
        if let id = try json.optionalInt("decoder_start_token_id") { start = id } else { start = try json.optionalInt("pad_token_id") ?? 0 }
        return ModelConfig(
            architecture: .t5, vocabSize: try json.int("vocab_size"), hiddenSize: d, layerCount: layers, headCount: heads,
            intermediateSize: try json.int("d_ff"), maxPositions: try json.optionalInt("n_positions") ?? 512, typeVocabSize: 0,
            layerNormEpsilon: Float(try json.double("layer_norm_epsilon", default: 1e-6)), activation: activation,
            normPlacement: .pre, causal: false, norm: .rms, mlpKind: gated ? .gated : .plain,
            relativePositions: RelativePositions(buckets: try json.optionalInt("relative_attention_num_buckets") ?? 32,
                                                 maxDistance: try json.optionalInt("relative_attention_max_distance") ?? 128),
            attentionScale: 1, decoderLayerCount: try json.optionalInt("num_decoder_layers") ?? layers,
            decoderStartTokenId: start)
    }
}
