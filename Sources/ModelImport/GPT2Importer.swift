import ModelIR

/// GPT-2 (`model_type: gpt2`) as `GPT2Model` / `GPT2LMHeadModel` save it: names with or without
/// the `transformer.` prefix, `Conv1D` weights stored [in, out], fused `c_attn` split into
/// q, k, v, and `lm_head` tied to `wte` unless `tie_word_embeddings` is false.
enum GPT2Importer {
    static func config(_ json: ConfigJSON) throws(ImportError) -> ModelConfig {
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

    static func graph<S>(_ c: ModelConfig, tied: Bool, _ t: inout TensorTaker<S>) throws(ImportError) -> ModelGraph<S.T> {
        let p = t.has("transformer.wte.weight") ? "transformer." : ""
        let d = c.hiddenSize
        let embeddings = Embeddings<S.T>(
            word: try t.take("\(p)wte.weight", [c.vocabSize, d]),
            position: try t.take("\(p)wpe.weight", [c.maxPositions, d]),
            tokenType: nil, norm: nil)
        var blocks: [Block<S.T>] = []
        for i in 0..<c.layerCount {
            let l = "\(p)h.\(i)"
            t.acceptBuffer("\(l).attn.bias")
            t.acceptBuffer("\(l).attn.masked_bias")
            let qkv = try t.takeConv1D("\(l).attn.c_attn", in: d, out: 3 * d)
            let attention = Attention(
                q: split(qkv, part: 0, of: d, t.source), k: split(qkv, part: 1, of: d, t.source),
                v: split(qkv, part: 2, of: d, t.source),
                o: try t.takeConv1D("\(l).attn.c_proj", in: d, out: d),
                headDim: c.headDim, keptHeads: Array(0..<c.headCount))
            blocks.append(Block(
                attention: attention,
                attentionNorm: try t.takeNorm("\(l).ln_1", d),
                mlp: MLP(up: try t.takeConv1D("\(l).mlp.c_fc", in: d, out: c.intermediateSize),
                         down: try t.takeConv1D("\(l).mlp.c_proj", in: c.intermediateSize, out: d)),
                mlpNorm: try t.takeNorm("\(l).ln_2", d)))
        }
        var head = Head<S.T>(finalNorm: try t.takeNorm("\(p)ln_f", d))
        if tied {
            head.tiedToEmbeddings = true
            // A saved copy of the tied weight is the same parameter: accept it, store it once.
            t.acceptBuffer("lm_head.weight")
        } else {
            head.languageModel = try t.takeLinear("lm_head", in: d, out: c.vocabSize)
        }
        return ModelGraph(config: c, embeddings: embeddings, blocks: blocks, head: head)
    }

    /// Rows [part·d, (part+1)·d) of the fused c_attn projection: part 0 = q, 1 = k, 2 = v.
    private static func split<S: WeightSource>(_ fused: Linear<S.T>, part: Int, of d: Int, _ source: S) -> Linear<S.T> {
        guard case let .dense(w) = fused.weight else { preconditionFailure("c_attn is imported dense") }
        let rows = (part * d)..<((part + 1) * d)
        return Linear(inFeatures: d, outFeatures: d, weight: .dense(source.slice(w, rows)),
                      bias: fused.bias.map { source.slice($0, rows) })
    }
}
