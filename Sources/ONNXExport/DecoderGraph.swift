import Foundation
import ModelIR
import TensorCore

/// The decoder-with-past graph of a pre-norm causal LM (GPT-2 and the Llama family: Llama,
/// Mistral, Qwen2) as optimum exports it for `ORTModelForCausalLM` (`text-generation-with-past`):
///
/// - inputs `input_ids` and `position_ids` (int64 [B, S]), `attention_mask` (int64 [B, P + S]),
///   `past_key_values.{l}.key/.value` (f32 [B, g_l, P, d_h]; P = 0 on the first step);
/// - outputs `logits` (f32 [B, S, V]) and `present.{l}.key/.value` (f32 [B, g_l, P + S, d_h]).
///
/// One block description drives every family, as Pare's runtime does (`decoderLayer`): per
/// layer h = x + Attn(N₁(x))·W_Oᵀ, x ← h + MLP(N₂(h)), then the final norm and the LM head,
/// where the differences are optional parts read from the model: LayerNorm or RMSNorm (the
/// norm's bias), a learned position table or rotary Q/K (`ModelConfig.rotary`), a gate
/// (SwiGLU), biases on any linear, a sliding window, a tied or separate LM head. Each layer has
/// its own kept query heads h_l and key/value heads g_l (query head j reads key/value head
/// `kvHeadOfQuery[j]`, a `Gather` over the cache's head axis) and its own FFN width.
enum DecoderGraph {
    /// The models this graph is for: causal single-stack LMs (`check` says what else they need).
    static func covers(_ model: Model) -> Bool { model.config.causal && model.decoder == nil }

    static func build(_ model: Model, into g: GraphBuilder, path exportPath: String) throws(ONNXExportError) -> GraphSignature {
        try check(model, path: exportPath)
        let c = model.config
        var (x, word) = embeddings(model, g)
        let positions = DecoderPositions(model, g)
        var outputs: [(value: String, info: Onnx_ValueInfoProto)] = []
        var inputs = [ONNXModel.valueInfo(IONames.ids, .int64, [.symbol(IONames.batch), .symbol(IONames.sequence)]),
                      ONNXModel.valueInfo(IONames.mask, .int64, [.symbol(IONames.batch), .symbol(IONames.totalSequence)]),
                      ONNXModel.valueInfo(IONames.positionIds, .int64, [.symbol(IONames.batch), .symbol(IONames.sequence)])]
        for (l, block) in model.blocks.enumerated() {
            let (output, present) = try layer(l, block, c, input: x, positions: positions, g, exportPath: exportPath)
            x = output
            let a = block.attention, kv = a.keptKVHeads.count
            // optimum feeds the first step an empty cache shaped from config.json (G heads of
            // d/H); a layer whose pruned shape differs declares those dims symbolic.
            let asConfigured = kv == c.kvHeadCount && a.headDim == c.hiddenSize / max(c.headCount, 1)
            let heads: ONNXModel.Dimension = asConfigured ? .value(kv) : .symbol("past_key_values.\(l).heads")
            let width: ONNXModel.Dimension = asConfigured ? .value(a.headDim) : .symbol("past_key_values.\(l).head_dim")
            for part in IONames.CachePart.allCases {
                inputs.append(ONNXModel.valueInfo(IONames.past(l, part), .float,
                                                  [.symbol(IONames.batch), heads, .symbol(IONames.pastSequence), width]))
                outputs.append((present[part]!, ONNXModel.valueInfo(IONames.present(l, part), .float,
                                                                    [.symbol(IONames.batch), .value(kv), .symbol(IONames.totalSequence), .value(a.headDim)])))
            }
        }
        if let norm = model.head.finalNorm { x = g.norm(x, norm, d: c.hiddenSize, epsilon: c.layerNormEpsilon, path: "head.final_norm") }
        let logits = try languageModel(x, model, word: word, g, exportPath: exportPath)
        let logitsInfo = ONNXModel.valueInfo(IONames.logits, .float, [.symbol(IONames.batch), .symbol(IONames.sequence), .value(c.vocabSize)])
        return GraphSignature(name: "\(c.architecture.rawValue)_decoder_with_past", inputs: inputs, outputs: [(logits, logitsInfo)] + outputs)
    }

    /// What this graph covers beyond `covers`: pre-norm layers (the runtime's decoder layer),
    /// an LM head, at least one attention head per layer (the cache of a layer without one has no
    /// shape optimum can feed).
    static func check(_ model: Model, path: String) throws(ONNXExportError) {
        let c = model.config
        if c.normPlacement != .pre {
            throw .unsupportedModel(path: path, reason: "a causal model with post-norm layers (the decoder graph is pre-norm, as GPT-2 and the Llama family)")
        }
        if model.head.languageModel == nil && !model.head.tiedToEmbeddings {
            throw .unsupportedModel(path: path, reason: "a causal model without a language-model head")
        }
        if c.relativePositions != nil { throw .unsupportedModel(path: path, reason: "relative position biases in a causal model") }
        if let l = model.blocks.firstIndex(where: { $0.attention.keptHeads.isEmpty }) {
            throw .unsupportedModel(path: path, reason: "layer \(l) keeps no attention heads, so its key/value cache has no shape optimum can feed")
        }
    }

    /// word[input_ids] (+ position[position_ids] with a learned table), then the embedding norm
    /// when the model has one → [B, S, d]; and the word table's initializer.
    private static func embeddings(_ model: Model, _ g: GraphBuilder) -> (String, word: String) {
        let e = model.embeddings
        let word = g.initializer("embeddings.word", floats: WeightLayout.floats(e.word), dims: e.word.shape.dims)
        var x = g.op("Gather", [word, IONames.ids], name: "embeddings.word/Gather")
        if let position = e.position {
            let table = g.initializer("embeddings.position", floats: WeightLayout.floats(position), dims: position.shape.dims)
            x = g.op("Add", [x, g.op("Gather", [table, IONames.positionIds], name: "embeddings.position/Gather")], name: "embeddings.position/Add")
        }
        if let norm = e.norm { x = g.norm(x, norm, d: model.config.hiddenSize, epsilon: model.config.layerNormEpsilon, path: "embeddings.norm") }
        return (x, word)
    }

    /// One pre-norm block; returns its output [B, S, d] and the present keys and values.
    private static func layer(_ l: Int, _ block: Block<Tensor>, _ c: ModelConfig, input x: String, positions: DecoderPositions,
                              _ g: GraphBuilder, exportPath: String) throws(ONNXExportError) -> (String, [IONames.CachePart: String]) {
        let p = "blocks.\(l)"
        let a = block.attention, h = a.keptHeads.count, kv = a.keptKVHeads.count, dh = a.headDim
        let n1 = g.norm(x, block.attentionNorm, d: c.hiddenSize, epsilon: c.layerNormEpsilon, path: "\(p).attention_norm")
        func split(_ t: String, heads n: Int, _ name: String) -> String { g.splitHeads(t, heads: n, headDim: dh, path: "\(p).attention.\(name)") }
        var q = split(try g.linear(n1, a.q, path: "\(p).attention.q", exportPath: exportPath), heads: h, "q")
        var k = split(try g.linear(n1, a.k, path: "\(p).attention.k", exportPath: exportPath), heads: kv, "k")
        let v = split(try g.linear(n1, a.v, path: "\(p).attention.v", exportPath: exportPath), heads: kv, "v")
        if positions.rotates {
            q = positions.rotate(q, path: "\(p).attention.q", g)
            k = positions.rotate(k, path: "\(p).attention.k", g)
        }
        // The cache: past [B, g, P, d_h] (reshaped, so optimum's empty first-step past of the
        // configured shape fits a pruned layer) with this step's rows appended on the P axis.
        var present: [IONames.CachePart: String] = [:]
        var attended: [IONames.CachePart: String] = [:]
        for (part, new) in [(IONames.CachePart.key, k), (.value, v)] {
            let past = g.op("Reshape", [IONames.past(l, part), g.constant(int64s: [0, Int64(kv), -1, Int64(dh)], dims: [4])],
                            name: "\(p).attention.past_\(part.rawValue)/Reshape")
            let all = g.op("Concat", [past, new], name: "\(p).attention.present_\(part.rawValue)/Concat", attributes: [Attribute.int("axis", 2)])
            present[part] = all
            // Query head j reads key/value head kvHeadOfQuery[j] (grouped-query attention).
            let map = a.kvHeadOfQuery
            attended[part] = map == Array(0..<h) ? all
                : g.op("Gather", [all, g.constant(int64s: map.map(Int64.init), dims: [h])], name: "\(p).attention.\(part.rawValue)_heads/Gather",
                       attributes: [Attribute.int("axis", 1)])
        }
        let flat = g.attend(q: q, k: attended[.key]!, v: attended[.value]!, bias: positions.maskBias,
                            scale: c.attentionScale ?? 1 / Float(dh).squareRoot(), heads: h, headDim: dh, path: "\(p).attention")
        let o = try g.linear(flat, a.o, path: "\(p).attention.o", exportPath: exportPath)
        let hidden = g.op("Add", [x, o], name: "\(p).attention/Add_residual")

        let n2 = g.norm(hidden, block.mlpNorm, d: c.hiddenSize, epsilon: c.layerNormEpsilon, path: "\(p).mlp_norm")
        let down = try g.mlp(n2, block.mlp, activation: c.activation, path: "\(p).mlp", exportPath: exportPath)
        return (g.op("Add", [hidden, down], name: "\(p).mlp/Add_residual"), present)
    }

    /// logits [B, S, V] = (x·c)·W_lmᵀ (+ b), or (x·c)·wordᵀ with tied embeddings (a `Transpose` of
    /// the word table that ONNX Runtime folds once at load), c the logit scale when there is one
    /// (T5 tied: d^−½), applied to x [B, S, d] before the head as the runtime does.
    static func languageModel(_ x: String, _ model: Model, word: String, _ g: GraphBuilder,
                              exportPath: String) throws(ONNXExportError) -> String {
        var x = x
        if let scale = model.head.logitScale { x = g.op("Mul", [x, g.constant(float: scale)], name: "head.language_model/Mul_logit_scale") }
        if let lm = model.head.languageModel { return try g.linear(x, lm, path: "head.language_model", exportPath: exportPath) }
        let wt = g.op("Transpose", [word], name: "head.language_model.tied/Transpose", attributes: [Attribute.ints("perm", [1, 0])])
        return g.op("MatMul", [x, wt], name: "head.language_model/MatMul")
    }
}
