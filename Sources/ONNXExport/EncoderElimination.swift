import ModelIR

/// Token elimination in the encoder graph, drop mode at one λ (ACC-SPEC §2–§5, as Pare's runtime
/// runs it): after layer l's heads are concatenated and before W_O, each text keeps its N_{l+1}
/// highest-scoring rows, [CLS] (row 0) forced, in their original order; the residual stream, the
/// context and every later layer see only those.
///
/// - Scores: SV_j = (1/h_l) Σ_heads Σ_i P[i, j] over the layer's attention probabilities.
/// - Counts: N_0…N_L = `EliminationProfile.keptCounts(tokens: n, lambda:)` for every n up to the
///   model's positions, one int64 table row per n, read at n = `sequence_length`; so every text
///   of a batch is taken to be unpadded (one text per batch, or texts of one length).
/// - Survivors: `TopK` of K = N_{l+1} (ONNX breaks ties toward the lower index, as Pare does),
///   their indices sorted ascending with a second `TopK`, then `GatherND` (batch_dims 1) of the
///   rows. Layers with α_l = min(1, λ·EP_l) = 1 keep every row and get no nodes.
public struct EncoderElimination: Sendable, Equatable {
    public var profile: EliminationProfile
    public var lambda: Double

    public init(profile: EliminationProfile, lambda: Double) {
        self.profile = profile
        self.lambda = lambda
    }

    /// Whether layer l (0-based) may eliminate: α_l < 1.
    func eliminates(layer l: Int) -> Bool { profile.alpha(lambda: lambda)[l] < 1 }

    /// The table [positions + 1, L + 1] of N_0…N_L per sequence length n.
    func countTable(positions: Int) -> [Int64] {
        (0...positions).flatMap { n in profile.keptCounts(tokens: n, lambda: lambda).map(Int64.init) }
    }
}

/// What changes shape as rows are eliminated: the additive mask of the current keys
/// [B, 1, 1, T_l] and the original positions of the current rows [B, T_l].
struct EliminationRows {
    var maskBias: String
    var positions: String
}

extension EncoderElimination {
    /// N_{l+1} as a one-element int64 tensor, read from the count table at n = sequence_length.
    func keptCount(layer l: Int, table: String, _ g: GraphBuilder) -> String {
        let p = "elimination.\(l)"
        let n = g.op("Shape", [IONames.ids], name: "\(p)/Shape_sequence", attributes: [Attribute.int("start", 1), Attribute.int("end", 2)])
        let row = g.op("Gather", [table, n], name: "\(p)/Gather_counts")                       // [1, L + 1]
        return g.op("Gather", [row, g.constant(int64s: [Int64(l + 1)], dims: [1])], name: "\(p)/Gather_layer",
                    attributes: [Attribute.int("axis", 1)])                                   // [1, 1]
    }

    /// Layer l's survivors [B, K] (ascending row indices) from its attention probabilities
    /// `probs` [B, h, T, T] of `heads` heads.
    func survivors(layer l: Int, probs: String, heads: Int, count: String, _ g: GraphBuilder) -> String {
        let p = "elimination.\(l)"
        let summed = g.op("ReduceSum", [probs, g.constant(int64s: [1, 2], dims: [2])], name: "\(p)/ReduceSum_scores",
                          attributes: [Attribute.int("keepdims", 0)])                         // [B, T]
        let sv = g.op("Div", [summed, g.constant(float: Float(heads))], name: "\(p)/Div_heads")
        // [CLS] is protected: its score counts as +∞.
        let rows = g.op("Shape", [sv], name: "\(p)/Shape_rows", attributes: [Attribute.int("start", 1), Attribute.int("end", 2)])
        let index = g.op("Range", [g.constant(int64s: [0], dims: []), g.op("Squeeze", [rows, g.constant(int64s: [0], dims: [1])],
                                                                         name: "\(p)/Squeeze_rows"), g.constant(int64s: [1], dims: [])],
                         name: "\(p)/Range_rows")
        let first = g.op("Equal", [index, g.constant(int64s: [0], dims: [])], name: "\(p)/Equal_first")
        let scores = g.op("Where", [first, g.constant(float: .infinity), sv], name: "\(p)/Where_protected")
        let k = g.op("Reshape", [count, g.constant(int64s: [1], dims: [1])], name: "\(p)/Reshape_count")
        let top = g.node("TopK", [scores, k], name: "\(p)/TopK_scores", outputs: 2,
                         attributes: [Attribute.int("axis", -1), Attribute.int("largest", 1), Attribute.int("sorted", 1)])
        let ascending = g.node("TopK", [top[1], k], name: "\(p)/TopK_order", outputs: 2,
                               attributes: [Attribute.int("axis", -1), Attribute.int("largest", 0), Attribute.int("sorted", 1)])
        return ascending[0]
    }

    /// x [B, T, w] → x[b, kept[b, :], :] [B, K, w].
    static func gatherRows(_ x: String, _ kept: String, path: String, _ g: GraphBuilder) -> String {
        let index = g.op("Unsqueeze", [kept, g.constant(int64s: [-1], dims: [1])], name: "\(path)/Unsqueeze_kept")
        return g.op("GatherND", [x, index], name: "\(path)/GatherND_kept", attributes: [Attribute.int("batch_dims", 1)])
    }

    /// The current keys' mask and positions after keeping `kept` [B, K].
    static func gather(_ rows: EliminationRows, _ kept: String, layer l: Int, _ g: GraphBuilder) -> EliminationRows {
        let p = "elimination.\(l)"
        let mask = g.op("Squeeze", [rows.maskBias, g.constant(int64s: [1, 2], dims: [2])], name: "\(p)/Squeeze_mask")
        let keptMask = g.op("GatherElements", [mask, kept], name: "\(p)/GatherElements_mask", attributes: [Attribute.int("axis", 1)])
        let bias = g.op("Unsqueeze", [keptMask, g.constant(int64s: [1, 2], dims: [2])], name: "\(p)/Unsqueeze_mask")
        let positions = g.op("GatherElements", [rows.positions, kept], name: "\(p)/GatherElements_positions",
                             attributes: [Attribute.int("axis", 1)])
        return EliminationRows(maskBias: bias, positions: positions)
    }
}
