import ModelIR

/// T5 (`model_type: t5`) as `T5ForConditionalGeneration` saves it: `shared` word embeddings (the
/// encoder's and decoder's `embed_tokens` are the same parameter), pre-norm blocks with T5's
/// RMS-style LayerNorm, no biases, no 1/√d_h on the scores, a relative position bias table in
/// each stack's first self-attention (shared by its layers), a feed-forward `wi`/`wo` (v1.0
/// `relu`) or `wi_0`/`wi_1`/`wo` (v1.1 / Flan-T5 `gated-gelu`: gate, up, down), cross-attention
/// (`EncDecAttention`) in the decoder, and `lm_head` tied to `shared` with the hidden state
/// scaled by d^−½ (or untied, unscaled).
enum T5Importer {
    static func config(_ json: ConfigJSON) throws(ImportError) -> ModelConfig {
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

    static func graph<S>(_ c: ModelConfig, tied: Bool, _ t: inout TensorTaker<S>) throws(ImportError) -> ModelGraph<S.T> {
        let d = c.hiddenSize, ff = c.intermediateSize, buckets = c.relativePositions!.buckets
        func norm(_ name: String) throws(ImportError) -> LayerNorm<S.T> { LayerNorm(weight: try t.take("\(name).weight", [d]), bias: nil) }
        func attention(_ prefix: String) throws(ImportError) -> Attention<S.T> {
            Attention(q: try t.takeLinear("\(prefix).q", in: d, out: d), k: try t.takeLinear("\(prefix).k", in: d, out: d),
                      v: try t.takeLinear("\(prefix).v", in: d, out: d), o: try t.takeLinear("\(prefix).o", in: d, out: d),
                      headDim: c.headDim, keptHeads: Array(0..<c.headCount))
        }
        func mlp(_ prefix: String) throws(ImportError) -> MLP<S.T> {
            let down = try t.takeLinear("\(prefix).wo", in: ff, out: d)
            guard c.mlpKind == .gated else { return MLP(up: try t.takeLinear("\(prefix).wi", in: d, out: ff), down: down) }
            return MLP(up: try t.takeLinear("\(prefix).wi_1", in: d, out: ff), down: down,
                       gate: try t.takeLinear("\(prefix).wi_0", in: d, out: ff))
        }
        for copy in ["encoder.embed_tokens.weight", "decoder.embed_tokens.weight"] { t.acceptBuffer(copy) }
        let word = try t.take("shared.weight", [c.vocabSize, d])
        var encoder: [Block<S.T>] = []
        for i in 0..<c.layerCount {
            let l = "encoder.block.\(i).layer"
            encoder.append(Block(attention: try attention("\(l).0.SelfAttention"), attentionNorm: try norm("\(l).0.layer_norm"),
                                 mlp: try mlp("\(l).1.DenseReluDense"), mlpNorm: try norm("\(l).1.layer_norm")))
        }
        var decoder: [Block<S.T>] = []
        for i in 0..<(c.decoderLayerCount ?? 0) {
            let l = "decoder.block.\(i).layer"
            decoder.append(Block(attention: try attention("\(l).0.SelfAttention"), attentionNorm: try norm("\(l).0.layer_norm"),
                                 mlp: try mlp("\(l).2.DenseReluDense"), mlpNorm: try norm("\(l).2.layer_norm"),
                                 crossAttention: try attention("\(l).1.EncDecAttention"), crossAttentionNorm: try norm("\(l).1.layer_norm")))
        }
        let bias = "layer.0.SelfAttention.relative_attention_bias.weight"
        let embeddings = Embeddings<S.T>(word: word, position: nil, tokenType: nil, norm: nil,
                                         relativeBias: try t.take("encoder.block.0.\(bias)", [buckets, c.headCount]))
        let stack = DecoderStack<S.T>(blocks: decoder, finalNorm: try norm("decoder.final_layer_norm"),
                                      relativeBias: try t.take("decoder.block.0.\(bias)", [buckets, c.headCount]))
        var head = Head<S.T>(finalNorm: try norm("encoder.final_layer_norm"))
        if tied {
            head.tiedToEmbeddings = true
            head.logitScale = 1 / Float(d).squareRoot()
            t.acceptBuffer("lm_head.weight")
        } else {
            head.languageModel = try t.takeLinear("lm_head", in: d, out: c.vocabSize)
        }
        return ModelGraph(config: c, embeddings: embeddings, blocks: encoder, head: head, decoder: stack)
    }
}
