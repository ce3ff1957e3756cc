import Foundation
import ModelIR
import TensorCore

/// The ONNX graph of a BERT-family encoder as optimum exports it for feature extraction: inputs
/// `input_ids`, `attention_mask`, `token_type_ids` (int64 [batch_size, sequence_length]), output
/// `last_hidden_state` (f32 [batch_size, sequence_length, d]).
///
/// x = LN(word[ids] + position[0..<S] + type[token_type_ids]); per layer (post-norm)
/// h = LN₁(x + Attn(x)·W_Oᵀ), x = LN₂(h + W_down·gelu(W_up·h)), where each layer has its own
/// kept head count h_l (Q, K, V [B, S, h_l·d_h]) and FFN width: pruned structure is plain
/// smaller shapes. Attention: softmax(Q·Kᵀ/√d_h + (1 − mask)·f32.min)·V per head.
enum BERTGraph {
    /// HF's additive mask value, `torch.finfo(float32).min`.
    static let maskedScore: Float = -Float.greatestFiniteMagnitude

    /// With `elimination`, rows are eliminated inside the graph (`EncoderElimination`): the
    /// output has N_L rows per text, and `kept_positions` (int64 [batch_size, kept]) gives their
    /// original positions.
    static func build(_ model: Model, into g: GraphBuilder, path exportPath: String,
                      elimination: EncoderElimination? = nil) throws(ONNXExportError) -> GraphSignature {
        try check(model, path: exportPath)
        let x = embeddings(model, g)
        var rows = EliminationRows(maskBias: g.paddingBias(IONames.mask), positions: elimination == nil ? "" : positionIds(g))
        let table = elimination.map { e in
            g.initializer("elimination.kept_counts", .int64, dims: [model.config.maxPositions + 1, model.blocks.count + 1],
                          raw: e.countTable(positions: model.config.maxPositions).withUnsafeBytes { Data($0) })
        }
        var hidden = x
        for (l, block) in model.blocks.enumerated() {
            var eliminating: (EncoderElimination, table: String)?
            if let elimination, let table, elimination.eliminates(layer: l) {
                guard !block.attention.keptHeads.isEmpty else {
                    throw .unsupportedModel(path: exportPath, reason: "layer \(l) eliminates tokens but keeps no attention heads to score them")
                }
                eliminating = (elimination, table)
            }
            hidden = try layer(l, block, model.config, input: hidden, rows: &rows, elimination: eliminating, g, exportPath: exportPath)
        }
        let dims: [ONNXModel.Dimension] = [.symbol(IONames.batch), .symbol(IONames.sequence)]
        var inputs = [ONNXModel.valueInfo(IONames.ids, .int64, dims), ONNXModel.valueInfo(IONames.mask, .int64, dims)]
        if model.embeddings.tokenType != nil { inputs.append(ONNXModel.valueInfo(IONames.typeIds, .int64, dims)) }
        guard elimination != nil else {
            let output = ONNXModel.valueInfo(IONames.lastHiddenState, .float, dims + [.value(model.config.hiddenSize)])
            return GraphSignature(name: "\(model.config.architecture.rawValue)_encoder", inputs: inputs, outputs: [(hidden, output)])
        }
        let kept: [ONNXModel.Dimension] = [.symbol(IONames.batch), .symbol(IONames.keptSequence)]
        let output = ONNXModel.valueInfo(IONames.lastHiddenState, .float, kept + [.value(model.config.hiddenSize)])
        let positions = g.op("Identity", [rows.positions], name: "elimination/Identity_positions")
        return GraphSignature(name: "\(model.config.architecture.rawValue)_encoder", inputs: inputs,
                              outputs: [(hidden, output), (positions, ONNXModel.valueInfo(IONames.keptPositions, .int64, kept))])
    }

    /// What this graph covers: bidirectional post-norm LayerNorm encoders with learned absolute
    /// positions and a plain GELU MLP (BERT, MiniLM, RoBERTa-style layouts).
    static func check(_ model: Model, path: String) throws(ONNXExportError) {
        let c = model.config
        var problems: [String] = []
        if c.architecture != .bert { problems.append("architecture \(c.architecture.rawValue) (encoders export for bert; causal LMs for gpt2, llama, mistral and qwen2; encoder-decoders for t5 with both stacks)") }
        if c.causal { problems.append("causal attention") }
        if c.normPlacement != .post || c.norm != .layer { problems.append("pre-norm or RMSNorm layers") }
        if c.mlpKind != .plain { problems.append("a gated MLP") }
        if c.rotary != nil || c.relativePositions != nil || model.embeddings.position == nil {
            problems.append("positions that are not a learned absolute table")
        }
        if model.decoder != nil { problems.append("a decoder stack") }
        if let first = problems.first { throw .unsupportedModel(path: path, reason: first) }
    }

    /// LN(word[ids] + position[0..<S] + type[token_type_ids]) → [B, S, d].
    private static func embeddings(_ model: Model, _ g: GraphBuilder) -> String {
        let e = model.embeddings, d = model.config.hiddenSize
        let word = g.initializer("embeddings.word", floats: WeightLayout.floats(e.word), dims: e.word.shape.dims)
        var x = g.op("Gather", [word, IONames.ids], name: "embeddings.word/Gather")
        if let position = e.position {
            let table = g.initializer("embeddings.position", floats: WeightLayout.floats(position), dims: position.shape.dims)
            let ids = positionIds(g)
            let rows = g.op("Gather", [table, ids], name: "embeddings.position/Gather")
            x = g.op("Add", [x, rows], name: "embeddings.position/Add")
        }
        if let tokenType = e.tokenType {
            let table = g.initializer("embeddings.token_type", floats: WeightLayout.floats(tokenType), dims: tokenType.shape.dims)
            let rows = g.op("Gather", [table, IONames.typeIds], name: "embeddings.token_type/Gather")
            x = g.op("Add", [x, rows], name: "embeddings.token_type/Add")
        }
        if let norm = e.norm { x = g.norm(x, norm, d: d, epsilon: model.config.layerNormEpsilon, path: "embeddings.norm") }
        return x
    }

    /// Position ids 0..<S per row [B, S] as CumSum(1) − 1 over a tensor shaped like input_ids:
    /// unlike Range(0, S) their shape stays [batch_size, sequence_length] under shape inference,
    /// so the residual Adds keep known shapes and ONNX Runtime fuses Add + LayerNormalization
    /// into SkipLayerNormalization. Built once (a second call returns the same value).
    private static func positionIds(_ g: GraphBuilder) -> String {
        if let existing = g.nodes.first(where: { $0.name == "embeddings.position/Sub_one" }) { return existing.output[0] }
        let zeros = g.op("Mul", [IONames.ids, g.constant(int64s: [0], dims: [])], name: "embeddings.position/Mul_zero")
        let ones = g.op("Add", [zeros, g.constant(int64s: [1], dims: [])], name: "embeddings.position/Add_one")
        let counts = g.op("CumSum", [ones, g.constant(int64s: [1], dims: [])], name: "embeddings.position/CumSum")
        return g.op("Sub", [counts, g.constant(int64s: [1], dims: [])], name: "embeddings.position/Sub_one")
    }

    /// One post-norm block; with `elimination` (this layer eliminates), the rows kept after the
    /// attention are gathered from the context and the residual stream, and `rows` follows them.
    private static func layer(_ l: Int, _ block: Block<Tensor>, _ c: ModelConfig, input: String, rows: inout EliminationRows,
                              elimination: (EncoderElimination, table: String)?, _ g: GraphBuilder,
                              exportPath: String) throws(ONNXExportError) -> String {
        var x = input
        let maskBias = rows.maskBias
        let p = "blocks.\(l)"
        let a = block.attention, heads = a.keptHeads.count, dh = a.headDim
        var attended: String
        if heads > 0 {
            let q = try g.linear(x, a.q, path: "\(p).attention.q", exportPath: exportPath)
            let k = try g.linear(x, a.k, path: "\(p).attention.k", exportPath: exportPath)
            let v = try g.linear(x, a.v, path: "\(p).attention.v", exportPath: exportPath)
            let split = g.constant(int64s: [0, 0, Int64(heads), Int64(dh)], dims: [4])
            func splitHeads(_ t: String, _ name: String, perm: [Int]) -> String {
                let r = g.op("Reshape", [t, split], name: "\(p).attention.\(name)/Reshape")
                return g.op("Transpose", [r], name: "\(p).attention.\(name)/Transpose", attributes: [Attribute.ints("perm", perm)])
            }
            let qh = splitHeads(q, "q", perm: [0, 2, 1, 3])             // [B, h, S, d_h]
            let kt = splitHeads(k, "k", perm: [0, 2, 3, 1])             // [B, h, d_h, S]
            let vh = splitHeads(v, "v", perm: [0, 2, 1, 3])             // [B, h, S, d_h]
            let scale = c.attentionScale ?? 1 / Float(dh).squareRoot()
            let raw = g.op("MatMul", [qh, kt], name: "\(p).attention/MatMul_scores")
            let scaled = g.op("Mul", [raw, g.constant(float: scale)], name: "\(p).attention/Mul_scale")
            let masked = g.op("Add", [scaled, maskBias], name: "\(p).attention/Add_mask")
            let probs = g.op("Softmax", [masked], name: "\(p).attention/Softmax", attributes: [Attribute.int("axis", -1)])
            let context = g.op("MatMul", [probs, vh], name: "\(p).attention/MatMul_context")
            let merged = g.op("Transpose", [context], name: "\(p).attention.context/Transpose", attributes: [Attribute.ints("perm", [0, 2, 1, 3])])
            var flat = g.op("Reshape", [merged, g.constant(int64s: [0, 0, Int64(heads * dh)], dims: [3])],
                            name: "\(p).attention.context/Reshape")
            if case let (e, table)? = elimination {
                let kept = e.survivors(layer: l, probs: probs, heads: heads, count: e.keptCount(layer: l, table: table, g), g)
                flat = EncoderElimination.gatherRows(flat, kept, path: "elimination.\(l).context", g)
                x = EncoderElimination.gatherRows(x, kept, path: "elimination.\(l).hidden", g)
                rows = EncoderElimination.gather(rows, kept, layer: l, g)
            }
            attended = try g.linear(flat, a.o, path: "\(p).attention.o", exportPath: exportPath)
        } else if let bias = a.o.bias {
            // Every head pruned: W_O sees an empty input, only its bias is left.
            attended = g.initializer("\(p).attention.o.bias", floats: WeightLayout.floats(bias), dims: [a.o.outFeatures])
        } else {
            attended = g.initializer("\(p).attention.o.zero", floats: [Float](repeating: 0, count: a.o.outFeatures), dims: [a.o.outFeatures])
        }
        let residual = g.op("Add", [x, attended], name: "\(p).attention/Add_residual")
        let h = g.norm(residual, block.attentionNorm, d: c.hiddenSize, epsilon: c.layerNormEpsilon, path: "\(p).attention_norm")

        let down = try g.mlp(h, block.mlp, activation: c.activation, path: "\(p).mlp", exportPath: exportPath)
        let out = g.op("Add", [h, down], name: "\(p).mlp/Add_residual")
        return g.norm(out, block.mlpNorm, d: c.hiddenSize, epsilon: c.layerNormEpsilon, path: "\(p).mlp_norm")
    }
}
