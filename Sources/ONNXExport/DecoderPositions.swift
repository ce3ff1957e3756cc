import ModelIR

/// The position-dependent parts of a decoder step, built once and shared by every layer:
///
/// - `maskBias` f32 [B, 1, S, T] (T = P + S, the query at step row i sits at P + i): 0 where
///   key j ≤ P + i, `attention_mask[b, j]` ≠ 0 and, with a sliding window W, j > P + i − W;
///   f32.min elsewhere (HF's additive mask value), added to every head's scores;
/// - with rotary positions, cos and sin of `position_ids`·θ [B, 1, S, d_h] from tables over the
///   model's positions (the runtime's f32 tables: `RotaryEmbedding.table`), and `rotate`.
struct DecoderPositions {
    let maskBias: String
    private let cos: String?
    private let sin: String?

    var rotates: Bool { cos != nil }

    init(_ model: Model, _ g: GraphBuilder) {
        maskBias = Self.maskBias(window: model.config.slidingWindow, g)
        guard let rotary = model.config.rotary else {
            cos = nil
            sin = nil
            return
        }
        // Tables [positions, d_h] in rotate_half's layout: cos duplicated over both halves, sin
        // negated on the first half, so q' = q·cos + concat(q₂, q₁)·sin.
        let c = model.config, half = c.headDim / 2
        let (cosHalf, sinHalf) = RotaryEmbedding.table(rotary.inverseFrequencies(headDim: c.headDim), positions: Array(0..<c.maxPositions))
        var cosTable: [Float] = [], sinTable: [Float] = []
        cosTable.reserveCapacity(2 * cosHalf.count)
        sinTable.reserveCapacity(2 * sinHalf.count)
        for p in 0..<c.maxPositions {
            let row = (p * half)..<((p + 1) * half)
            cosTable += cosHalf[row] + cosHalf[row]
            sinTable += sinHalf[row].map { -$0 } + sinHalf[row]
        }
        func rows(_ table: [Float], _ name: String) -> String {
            let t = g.initializer("rotary.\(name)", floats: table, dims: [c.maxPositions, c.headDim])
            let gathered = g.op("Gather", [t, IONames.positionIds], name: "rotary.\(name)/Gather")
            return g.op("Unsqueeze", [gathered, g.constant(int64s: [1], dims: [1])], name: "rotary.\(name)/Unsqueeze")
        }
        cos = rows(cosTable, "cos")
        sin = rows(sinTable, "sin")
    }

    /// x' = x·cos + rotate_half(x)·sin for x [B, n, S, d_h], rotate_half(x) = concat(x₂, x₁) of
    /// its halves: x'[i] = x[i]·cos − x[i + d_h/2]·sin, x'[i + d_h/2] = x[i + d_h/2]·cos + x[i]·sin.
    func rotate(_ x: String, path: String, _ g: GraphBuilder) -> String {
        guard let cos, let sin else { return x }
        let halves = g.node("Split", [x], name: "\(path)/Split_halves", outputs: 2, attributes: [Attribute.int("axis", -1)])
        let swapped = g.op("Concat", [halves[1], halves[0]], name: "\(path)/Concat_rotate_half", attributes: [Attribute.int("axis", -1)])
        let a = g.op("Mul", [x, cos], name: "\(path)/Mul_cos")
        let b = g.op("Mul", [swapped, sin], name: "\(path)/Mul_sin")
        return g.op("Add", [a, b], name: "\(path)/Add_rotary")
    }

    /// The additive mask [B, 1, S, T] (see the type's doc).
    private static func maskBias(window: Int?, _ g: GraphBuilder) -> String {
        let p = "attention_mask"
        let dim1 = [Attribute.int("start", 1), Attribute.int("end", 2)]
        let total = g.op("Shape", [IONames.mask], name: "\(p)/Shape_total", attributes: dim1)     // [1]: T
        let steps = g.op("Shape", [IONames.ids], name: "\(p)/Shape_sequence", attributes: dim1)   // [1]: S
        let scalar = g.constant(int64s: [0], dims: [1])
        let t = g.op("Squeeze", [total, scalar], name: "\(p)/Squeeze_total")
        let past = g.op("Squeeze", [g.op("Sub", [total, steps], name: "\(p)/Sub_past"), scalar], name: "\(p)/Squeeze_past")
        let one = g.constant(int64s: [1], dims: []), zero = g.constant(int64s: [0], dims: [])
        let keys = g.op("Unsqueeze", [g.op("Range", [zero, t, one], name: "\(p)/Range_keys"), g.constant(int64s: [0], dims: [1])],
                        name: "\(p)/Unsqueeze_keys")                                              // [1, T]
        let queries = g.op("Unsqueeze", [g.op("Range", [past, t, one], name: "\(p)/Range_queries"), g.constant(int64s: [1], dims: [1])],
                           name: "\(p)/Unsqueeze_queries")                                         // [S, 1]
        var allowed = g.op("LessOrEqual", [keys, queries], name: "\(p)/LessOrEqual_causal")      // [S, T]
        if let window {
            let oldest = g.op("Sub", [queries, g.constant(int64s: [Int64(window)], dims: [])], name: "\(p)/Sub_window")
            allowed = g.op("And", [allowed, g.op("Greater", [keys, oldest], name: "\(p)/Greater_window")], name: "\(p)/And_window")
        }
        let present = g.op("Cast", [IONames.mask], name: "\(p)/Cast", attributes: [Attribute.int("to", Int(Onnx_TensorProto.DataType.bool.rawValue))])
        let padding = g.op("Unsqueeze", [present, g.constant(int64s: [1, 2], dims: [2])], name: "\(p)/Unsqueeze")   // [B, 1, 1, T]
        let both = g.op("And", [allowed, padding], name: "\(p)/And_padding")                      // [B, 1, S, T]
        return g.op("Where", [both, g.constant(float: 0), g.constant(float: BERTGraph.maskedScore)], name: "\(p)/Where")
    }
}
