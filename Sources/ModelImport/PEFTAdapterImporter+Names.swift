import ModelIR

extension PEFTAdapterImporter {
    /// Where a PEFT module (a name from the trained model's `named_modules()`) lands in the IR.
    enum Module: Equatable {
        /// A linear; `transposed` when the base module stores its weight [in, out] (GPT-2 `Conv1D`).
        case linear(LayerPath, transposed: Bool)
        /// GPT-2 `c_attn` of block i: q | k | v, weight stored [d, 3d].
        case fusedQKV(block: Int)
        /// A LayerNorm, by its IR prefix (`blocks.0.attention_norm`).
        case norm(String)
        /// An embedding table, by its IR tensor name (`embeddings.word`).
        case embedding(String)

        /// The block the module belongs to, if any.
        var block: Int? {
            switch self {
            case let .linear(path, _): path.blockIndex
            case let .fusedQKV(i): i
            case let .norm(prefix): LayerPath(prefix).blockIndex
            case .embedding: nil
            }
        }
    }

    /// The IR module of the Hugging Face module `name` in an `architecture` model, or nil.
    /// Names are accepted with or without the base-model prefix (`bert.`, `transformer.`), as
    /// adapters trained on `BertModel` and on `BertForSequenceClassification` name them.
    static func module(_ name: String, _ architecture: Architecture) -> Module? {
        switch architecture {
        case .bert: bertModule(name)
        case .gpt2: gpt2Module(name)
        case .llama, .mistral, .qwen2: llamaModule(name)
        case .t5: t5Module(name)
        }
    }

    /// `T5ForConditionalGeneration`: `{encoder,decoder}.block.<i>.layer.<j>.…` with
    /// SelfAttention / EncDecAttention q, k, v, o and DenseReluDense wi (up), wi_0 (gate), wi_1
    /// (up), wo (down); `shared` and `lm_head`.
    private static func t5Module(_ name: String) -> Module? {
        switch name {
        case "lm_head": return .linear("head.lm", transposed: false)
        case "shared", "encoder.embed_tokens", "decoder.embed_tokens": return .embedding("embeddings.word")
        default: break
        }
        let stack: String
        if let (i, rest) = layer(name, prefix: "encoder.block.") {
            stack = "blocks.\(i)"
            return t5Layer(rest, stack: stack, decoder: false)
        } else if let (i, rest) = layer(name, prefix: "decoder.block.") {
            stack = "decoder.blocks.\(i)"
            return t5Layer(rest, stack: stack, decoder: true)
        }
        return nil
    }

    /// `layer.<j>.<module>` of a T5 block (`stack` its IR prefix): j = 0 self-attention, then
    /// cross-attention (decoder only), then the feed-forward.
    private static func t5Layer(_ rest: String, stack: String, decoder: Bool) -> Module? {
        let roles = ["SelfAttention.q": "attention.q", "SelfAttention.k": "attention.k", "SelfAttention.v": "attention.v",
                     "SelfAttention.o": "attention.o", "EncDecAttention.q": "cross_attention.q", "EncDecAttention.k": "cross_attention.k",
                     "EncDecAttention.v": "cross_attention.v", "EncDecAttention.o": "cross_attention.o",
                     "DenseReluDense.wi": "mlp.up", "DenseReluDense.wi_0": "mlp.gate", "DenseReluDense.wi_1": "mlp.up",
                     "DenseReluDense.wo": "mlp.down"]
        guard let (j, module) = layer(rest, prefix: "layer."), let role = roles[module] else { return nil }
        let expected = role.hasPrefix("attention") ? 0 : role.hasPrefix("cross") ? 1 : (decoder ? 2 : 1)
        guard j == expected, decoder || !role.hasPrefix("cross") else { return nil }
        return .linear(LayerPath("\(stack).\(role)"), transposed: false)
    }

    /// `LlamaForCausalLM` & co.: `model.layers.<i>.self_attn.{q,k,v,o}_proj`,
    /// `model.layers.<i>.mlp.{gate,up,down}_proj`, the norms, `embed_tokens` and `lm_head`.
    private static func llamaModule(_ name: String) -> Module? {
        if name == "lm_head" { return .linear("head.lm", transposed: false) }
        let local = name.hasPrefix("model.") ? String(name.dropFirst(6)) : name
        switch local {
        case "embed_tokens": return .embedding("embeddings.word")
        case "norm": return .norm("head.final_norm")
        default: break
        }
        guard let (i, rest) = layer(local, prefix: "layers.") else { return nil }
        switch rest {
        case "self_attn.q_proj": return .linear(.block(i, "attention.q"), transposed: false)
        case "self_attn.k_proj": return .linear(.block(i, "attention.k"), transposed: false)
        case "self_attn.v_proj": return .linear(.block(i, "attention.v"), transposed: false)
        case "self_attn.o_proj": return .linear(.block(i, "attention.o"), transposed: false)
        case "mlp.gate_proj": return .linear(.block(i, "mlp.gate"), transposed: false)
        case "mlp.up_proj": return .linear(.block(i, "mlp.up"), transposed: false)
        case "mlp.down_proj": return .linear(.block(i, "mlp.down"), transposed: false)
        case "input_layernorm": return .norm("blocks.\(i).attention_norm")
        case "post_attention_layernorm": return .norm("blocks.\(i).mlp_norm")
        default: return nil
        }
    }

    private static func bertModule(_ name: String) -> Module? {
        switch name {
        case "classifier": return .linear("head.classifier", transposed: false)
        case "pooler.dense", "bert.pooler.dense": return .linear("head.pooler", transposed: false)
        default: break
        }
        let local = name.hasPrefix("bert.") ? String(name.dropFirst(5)) : name
        switch local {
        case "embeddings.word_embeddings": return .embedding("embeddings.word")
        case "embeddings.position_embeddings": return .embedding("embeddings.position")
        case "embeddings.token_type_embeddings": return .embedding("embeddings.token_type")
        case "embeddings.LayerNorm": return .norm("embeddings.norm")
        default: break
        }
        guard let (i, rest) = layer(local, prefix: "encoder.layer.") else { return nil }
        switch rest {
        case "attention.self.query": return .linear(.block(i, "attention.q"), transposed: false)
        case "attention.self.key": return .linear(.block(i, "attention.k"), transposed: false)
        case "attention.self.value": return .linear(.block(i, "attention.v"), transposed: false)
        case "attention.output.dense": return .linear(.block(i, "attention.o"), transposed: false)
        case "intermediate.dense": return .linear(.block(i, "mlp.up"), transposed: false)
        case "output.dense": return .linear(.block(i, "mlp.down"), transposed: false)
        case "attention.output.LayerNorm": return .norm("blocks.\(i).attention_norm")
        case "output.LayerNorm": return .norm("blocks.\(i).mlp_norm")
        default: return nil
        }
    }

    private static func gpt2Module(_ name: String) -> Module? {
        if name == "lm_head" { return .linear("head.lm", transposed: false) }
        let local = name.hasPrefix("transformer.") ? String(name.dropFirst(12)) : name
        switch local {
        case "wte": return .embedding("embeddings.word")
        case "wpe": return .embedding("embeddings.position")
        case "ln_f": return .norm("head.final_norm")
        default: break
        }
        guard let (i, rest) = layer(local, prefix: "h.") else { return nil }
        switch rest {
        case "attn.c_attn": return .fusedQKV(block: i)
        case "attn.c_proj": return .linear(.block(i, "attention.o"), transposed: true)
        case "mlp.c_fc": return .linear(.block(i, "mlp.up"), transposed: true)
        case "mlp.c_proj": return .linear(.block(i, "mlp.down"), transposed: true)
        case "ln_1": return .norm("blocks.\(i).attention_norm")
        case "ln_2": return .norm("blocks.\(i).mlp_norm")
        default: return nil
        }
    }

    /// `<prefix><i>.<rest>` → (i, rest) for a decimal layer index i.
    private static func layer(_ name: String, prefix: String) -> (Int, String)? {
        guard name.hasPrefix(prefix) else { return nil }
        let tail = name.dropFirst(prefix.count)
        guard let dot = tail.firstIndex(of: "."), let i = Int(tail[..<dot]), i >= 0,
              tail[..<dot].allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return (i, String(tail[tail.index(after: dot)...]))
    }
}
