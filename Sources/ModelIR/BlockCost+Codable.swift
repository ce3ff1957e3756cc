extension BlockCost: Codable {
    /// The sub-layers in execution order, as the report's JSON names them (`sub_layer_flops` in
    /// schemas/report.schema.json): the MLP as up, activation and down; `selection` only when
    /// a block eliminates tokens.
    enum CodingKeys: String, CodingKey {
        case qkv, scores, softmax, context, output, norms, mlpUp, mlpActivation, mlpDown, selection
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let up = try c.decode(Int.self, forKey: .mlpUp), down = try c.decode(Int.self, forKey: .mlpDown)
        self.init(qkv: try c.decode(Int.self, forKey: .qkv), scores: try c.decode(Int.self, forKey: .scores),
                  softmax: try c.decode(Int.self, forKey: .softmax), context: try c.decode(Int.self, forKey: .context),
                  output: try c.decode(Int.self, forKey: .output), norms: try c.decode(Int.self, forKey: .norms),
                  mlp: up + (try c.decode(Int.self, forKey: .mlpActivation)) + down,
                  selection: try c.decodeIfPresent(Int.self, forKey: .selection) ?? 0, mlpUp: up, mlpDown: down)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        let parts: [(CodingKeys, Int)] = [(.qkv, qkv), (.scores, scores), (.softmax, softmax), (.context, context), (.output, output),
                                          (.norms, norms), (.mlpUp, mlpUp), (.mlpActivation, mlpActivation), (.mlpDown, mlpDown)]
        for (key, value) in parts { try c.encode(value, forKey: key) }
        if selection != 0 { try c.encode(selection, forKey: .selection) }
    }
}
