import Foundation
import ModelIR
import TensorCore

/// An encoder-decoder (T5) as optimum splits it for `ORTModelForSeq2SeqLM` (the
/// `text2text-generation-with-past` layout without the merged decoder):
///
/// - `encoder_model.onnx`: `input_ids`, `attention_mask` (int64 [B, E]) → `last_hidden_state` [B, E, d];
/// - `decoder_model.onnx` (the first step): `input_ids` (int64 [B, S]), `encoder_attention_mask`
///   [B, E], `encoder_hidden_states` [B, E, d] → `logits` [B, S, V], `present.{l}.decoder.key/value`
///   [B, h_l, S, d_h] and `present.{l}.encoder.key/value` [B, h_c, E, d_h];
/// - `decoder_with_past_model.onnx`: `input_ids`, `encoder_attention_mask` and, per layer in that
///   order, `past_key_values.{l}.decoder.key/.value` [B, h_l, P, d_h] and `.encoder.key/.value`
///   → `logits` and `present.{l}.decoder.key/value` [B, h_l, P + S, d_h] (optimum keeps the
///   cross-attention cache of the first step).
///
/// The blocks are the runtime's (`encode`, `decoderStep`), read from the model as data: pre-norm
/// h = x + Attn(N₁(x)), [decoder: h' = h + CrossAttn(N_c(h), E)], out = h' + MLP(N₂(h')); the
/// norm is the model's (T5: RMS without mean or bias), the MLP plain or gated with its
/// activation, Q·Kᵀ times `attentionScale` (T5: 1, no `Mul`), each stack's relative position
/// bias (`RelativeBiasGraph`, bidirectional in the encoder, unidirectional at the absolute
/// query positions P..<P + S in the decoder) added to the self-attention scores of every layer
/// with the padding or causal mask, each stack's final norm, the logit scale and the LM head.
/// Each layer has its own kept heads and FFN width.
enum EncoderDecoderGraph {
    /// The three files, in optimum's names.
    static let encoderFile = "encoder_model.onnx"
    static let decoderFile = "decoder_model.onnx"
    static let decoderWithPastFile = "decoder_with_past_model.onnx"

    /// The models this graph is for: a second (decoder) stack.
    static func covers(_ model: Model) -> Bool { model.decoder != nil }

    /// What the graphs need beyond `covers`: pre-norm blocks with cross-attention, multi-head
    /// attention (T5 has no grouped heads), a final norm on the encoder, an LM head.
    static func check(_ model: Model, path: String) throws(ONNXExportError) {
        let c = model.config
        guard let decoder = model.decoder else { throw .unsupportedModel(path: path, reason: "an encoder-decoder without a decoder stack") }
        if c.normPlacement != .pre { throw .unsupportedModel(path: path, reason: "an encoder-decoder with post-norm layers (the graphs are pre-norm, as T5)") }
        if c.queriesPerKVHead != 1 { throw .unsupportedModel(path: path, reason: "grouped key/value heads in an encoder-decoder") }
        if model.head.languageModel == nil && !model.head.tiedToEmbeddings {
            throw .unsupportedModel(path: path, reason: "an encoder-decoder without a language-model head")
        }
        if let l = decoder.blocks.firstIndex(where: { $0.crossAttention == nil || $0.crossAttentionNorm == nil }) {
            throw .unsupportedModel(path: path, reason: "decoder layer \(l) has no cross-attention")
        }
        if let l = decoder.blocks.firstIndex(where: { $0.attention.keptHeads.isEmpty || $0.crossAttention!.keptHeads.isEmpty }) {
            throw .unsupportedModel(path: path, reason: "decoder layer \(l) keeps no attention heads, so its cache has no shape optimum can feed")
        }
    }

    // MARK: encoder

    static func encoder(_ model: Model, into g: GraphBuilder, path exportPath: String) throws(ONNXExportError) -> GraphSignature {
        try check(model, path: exportPath)
        let c = model.config
        let word = g.initializer("embeddings.word", floats: WeightLayout.floats(model.embeddings.word), dims: model.embeddings.word.shape.dims)
        var x = g.op("Gather", [word, IONames.ids], name: "embeddings.word/Gather")
        var bias = g.paddingBias(IONames.mask)                                                              // [B, 1, 1, E]
        if let table = model.embeddings.relativeBias, let scheme = c.relativePositions {
            let positions = g.op("Range", [g.constant(int64s: [0], dims: []), dimension(IONames.ids, 1, g), g.constant(int64s: [1], dims: [])],
                                 name: "encoder.positions/Range")
            let relative = RelativeBiasGraph.bias(table, scheme, heads: c.headCount, bidirectional: true, queries: positions, keys: positions,
                                                  path: "encoder.relative_bias", g)
            bias = g.op("Add", [relative, bias], name: "encoder.relative_bias/Add_mask")                    // [B, H, E, E]
        }
        for (l, block) in model.blocks.enumerated() {
            let p = "blocks.\(l)", a = block.attention
            let n1 = g.norm(x, block.attentionNorm, d: c.hiddenSize, epsilon: c.layerNormEpsilon, path: "\(p).attention_norm")
            if !a.keptHeads.isEmpty {
                let heads = RelativeBiasGraph.keptHeads(bias, a.keptHeads, heads: c.headCount, path: "\(p).attention", g)
                let o = try selfAttention(n1, a, c, bias: heads, past: nil, path: "\(p).attention", g, exportPath: exportPath).output
                x = g.op("Add", [x, o], name: "\(p).attention/Add_residual")
            } else if let b = a.o.bias {
                x = g.op("Add", [x, g.initializer("\(p).attention.o.bias", floats: WeightLayout.floats(b), dims: [a.o.outFeatures])],
                         name: "\(p).attention/Add_residual")
            }
            x = try mlpResidual(x, block, c, path: p, g, exportPath: exportPath)
        }
        if let norm = model.head.finalNorm { x = g.norm(x, norm, d: c.hiddenSize, epsilon: c.layerNormEpsilon, path: "encoder.final_norm") }
        let dims: [ONNXModel.Dimension] = [.symbol(IONames.batch), .symbol(IONames.encoderSequence)]
        return GraphSignature(name: "\(c.architecture.rawValue)_encoder",
                              inputs: [ONNXModel.valueInfo(IONames.ids, .int64, dims), ONNXModel.valueInfo(IONames.mask, .int64, dims)],
                              outputs: [(x, ONNXModel.valueInfo(IONames.lastHiddenState, .float, dims + [.value(c.hiddenSize)]))])
    }

    // MARK: decoder

    /// The first step (`withPast` false) or a later one; see the type's doc.
    static func decoder(_ model: Model, withPast: Bool, into g: GraphBuilder, path exportPath: String) throws(ONNXExportError) -> GraphSignature {
        try check(model, path: exportPath)
        let c = model.config, stack = model.decoder!
        let batch = ONNXModel.Dimension.symbol(IONames.batch), encoderLength = ONNXModel.Dimension.symbol(IONames.encoderSequence)
        let steps = ONNXModel.Dimension.symbol(IONames.decoderSequence)
        let word = g.initializer("embeddings.word", floats: WeightLayout.floats(model.embeddings.word), dims: model.embeddings.word.shape.dims)
        var x = g.op("Gather", [word, IONames.ids], name: "embeddings.word/Gather")

        // Query positions P..<P + S, keys 0..<P + S; P from the first layer's cache.
        let s = dimension(IONames.ids, 1, g)
        let past = withPast ? dimension(IONames.past(0, .decoder, .key), 2, g) : g.constant(int64s: [0], dims: [])
        let total = withPast ? g.op("Add", [past, s], name: "decoder.positions/Add_total") : s
        let one = g.constant(int64s: [1], dims: [])
        let queries = g.op("Range", [past, total, one], name: "decoder.positions/Range_queries")
        let keys = g.op("Range", [g.constant(int64s: [0], dims: []), total, one], name: "decoder.positions/Range_keys")
        let later = g.op("Greater", [g.op("Unsqueeze", [keys, g.constant(int64s: [0], dims: [1])], name: "decoder.causal/Unsqueeze_keys"),
                                     g.op("Unsqueeze", [queries, g.constant(int64s: [1], dims: [1])], name: "decoder.causal/Unsqueeze_queries")],
                         name: "decoder.causal/Greater")                                                    // [S, T]
        var selfBias = g.op("Where", [later, g.constant(float: BERTGraph.maskedScore), g.constant(float: 0)], name: "decoder.causal/Where")
        if let table = stack.relativeBias, let scheme = c.relativePositions {
            let relative = RelativeBiasGraph.bias(table, scheme, heads: c.headCount, bidirectional: false, queries: queries, keys: keys,
                                                  path: "decoder.relative_bias", g)
            selfBias = g.op("Add", [relative, selfBias], name: "decoder.relative_bias/Add_causal")          // [1, H, S, T]
        }
        let crossBias = g.paddingBias(IONames.encoderMask)                                                  // [B, 1, 1, E]

        var inputs = [ONNXModel.valueInfo(IONames.ids, .int64, [batch, steps]),
                      ONNXModel.valueInfo(IONames.encoderMask, .int64, [batch, encoderLength])]
        if !withPast { inputs.append(ONNXModel.valueInfo(IONames.encoderHiddenStates, .float, [batch, encoderLength, .value(c.hiddenSize)])) }
        var presents: [(value: String, info: Onnx_ValueInfoProto)] = [], crossPresents: [(value: String, info: Onnx_ValueInfoProto)] = []
        for (l, block) in stack.blocks.enumerated() {
            let p = "decoder.blocks.\(l)", a = block.attention, cross = block.crossAttention!
            for (stackPart, heads) in [(IONames.CacheStack.decoder, a.keptHeads.count), (.encoder, cross.keptHeads.count)] where withPast {
                let length = stackPart == .decoder ? ONNXModel.Dimension.symbol(IONames.pastDecoderSequence) : encoderLength
                for part in IONames.CachePart.allCases {
                    inputs.append(ONNXModel.valueInfo(IONames.past(l, stackPart, part), .float, [batch, .value(heads), length, .value(a.headDim)]))
                }
            }
            let n1 = g.norm(x, block.attentionNorm, d: c.hiddenSize, epsilon: c.layerNormEpsilon, path: "\(p).attention_norm")
            let heads = RelativeBiasGraph.keptHeads(selfBias, a.keptHeads, heads: c.headCount, path: "\(p).attention", g)
            let cached = withPast ? (IONames.past(l, .decoder, .key), IONames.past(l, .decoder, .value)) : nil
            let attended = try selfAttention(n1, a, c, bias: heads, past: cached, path: "\(p).attention", g, exportPath: exportPath)
            x = g.op("Add", [x, attended.output], name: "\(p).attention/Add_residual")
            let totalLength = ONNXModel.Dimension.symbol(withPast ? IONames.totalDecoderSequence : IONames.decoderSequence)
            for (part, value) in [(IONames.CachePart.key, attended.keys), (.value, attended.values)] {
                presents.append((value, ONNXModel.valueInfo(IONames.present(l, .decoder, part), .float,
                                                            [batch, .value(a.keptHeads.count), totalLength, .value(a.headDim)])))
            }

            let nc = g.norm(x, block.crossAttentionNorm!, d: c.hiddenSize, epsilon: c.layerNormEpsilon, path: "\(p).cross_attention_norm")
            let cp = "\(p).cross_attention", hc = cross.keptHeads.count, dh = cross.headDim
            let q = g.splitHeads(try g.linear(nc, cross.q, path: "\(cp).q", exportPath: exportPath), heads: hc, headDim: dh, path: "\(cp).q")
            var k = IONames.past(l, .encoder, .key), v = IONames.past(l, .encoder, .value)
            if !withPast {
                k = g.splitHeads(try g.linear(IONames.encoderHiddenStates, cross.k, path: "\(cp).k", exportPath: exportPath), heads: hc, headDim: dh, path: "\(cp).k")
                v = g.splitHeads(try g.linear(IONames.encoderHiddenStates, cross.v, path: "\(cp).v", exportPath: exportPath), heads: hc, headDim: dh, path: "\(cp).v")
                for (part, value) in [(IONames.CachePart.key, k), (.value, v)] {
                    crossPresents.append((value, ONNXModel.valueInfo(IONames.present(l, .encoder, part), .float,
                                                                     [batch, .value(hc), encoderLength, .value(dh)])))
                }
            }
            let context = g.attend(q: q, k: k, v: v, bias: crossBias, scale: c.attentionScale ?? 1 / Float(dh).squareRoot(),
                                   heads: hc, headDim: dh, path: cp)
            x = g.op("Add", [x, try g.linear(context, cross.o, path: "\(cp).o", exportPath: exportPath)], name: "\(cp)/Add_residual")
            x = try mlpResidual(x, block, c, path: p, g, exportPath: exportPath)
        }
        x = g.norm(x, stack.finalNorm, d: c.hiddenSize, epsilon: c.layerNormEpsilon, path: "decoder.final_norm")
        let logits = try DecoderGraph.languageModel(x, model, word: word, g, exportPath: exportPath)
        // optimum pairs the caches per layer: decoder key, value of every layer, then the encoder's.
        var outputs: [(value: String, info: Onnx_ValueInfoProto)] = [(logits, ONNXModel.valueInfo(IONames.logits, .float, [batch, steps, .value(c.vocabSize)]))]
        for l in stack.blocks.indices {
            outputs += presents[(2 * l)..<(2 * l + 2)]
            outputs += crossPresents.isEmpty ? [] : crossPresents[(2 * l)..<(2 * l + 2)]
        }
        return GraphSignature(name: "\(c.architecture.rawValue)_decoder\(withPast ? "_with_past" : "")", inputs: inputs, outputs: outputs)
    }

    // MARK: shared parts

    /// Self-attention of one block on its normed input n [B, S, d]: W_O·softmax(Q·Kᵀ·s + bias)·V,
    /// with K and V the cache `past` [B, h, P, d_h] with this step's rows appended when given.
    /// Returns the output [B, S, d] and the keys and values attended (the present cache).
    private static func selfAttention(_ n: String, _ a: Attention<Tensor>, _ c: ModelConfig, bias: String, past: (String, String)?,
                                      path p: String, _ g: GraphBuilder,
                                      exportPath: String) throws(ONNXExportError) -> (output: String, keys: String, values: String) {
        let h = a.keptHeads.count, dh = a.headDim
        let q = g.splitHeads(try g.linear(n, a.q, path: "\(p).q", exportPath: exportPath), heads: h, headDim: dh, path: "\(p).q")
        var k = g.splitHeads(try g.linear(n, a.k, path: "\(p).k", exportPath: exportPath), heads: h, headDim: dh, path: "\(p).k")
        var v = g.splitHeads(try g.linear(n, a.v, path: "\(p).v", exportPath: exportPath), heads: h, headDim: dh, path: "\(p).v")
        if let (pastKeys, pastValues) = past {
            k = g.op("Concat", [pastKeys, k], name: "\(p).present_key/Concat", attributes: [Attribute.int("axis", 2)])
            v = g.op("Concat", [pastValues, v], name: "\(p).present_value/Concat", attributes: [Attribute.int("axis", 2)])
        }
        let context = g.attend(q: q, k: k, v: v, bias: bias, scale: c.attentionScale ?? 1 / Float(dh).squareRoot(), heads: h, headDim: dh, path: p)
        return (try g.linear(context, a.o, path: "\(p).o", exportPath: exportPath), k, v)
    }

    /// x + MLP(N₂(x)) for block `path` (`blocks.3`).
    private static func mlpResidual(_ x: String, _ block: Block<Tensor>, _ c: ModelConfig, path p: String, _ g: GraphBuilder,
                                    exportPath: String) throws(ONNXExportError) -> String {
        let n2 = g.norm(x, block.mlpNorm, d: c.hiddenSize, epsilon: c.layerNormEpsilon, path: "\(p).mlp_norm")
        let down = try g.mlp(n2, block.mlp, activation: c.activation, path: "\(p).mlp", exportPath: exportPath)
        return g.op("Add", [x, down], name: "\(p).mlp/Add_residual")
    }

    /// Dimension `axis` of `tensor` as an int64 scalar.
    private static func dimension(_ tensor: String, _ axis: Int, _ g: GraphBuilder) -> String {
        let shape = g.op("Shape", [tensor], name: "\(tensor)/Shape_\(axis)", attributes: [Attribute.int("start", axis), Attribute.int("end", axis + 1)])
        return g.op("Squeeze", [shape, g.constant(int64s: [0], dims: [1])], name: "\(tensor)/Squeeze_\(axis)")
    }
}
