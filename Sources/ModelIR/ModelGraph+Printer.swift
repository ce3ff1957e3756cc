extension ModelGraph {
    /// A stable, human-readable listing of the IR (no weights), one linear per line:
    /// ```
    /// model bert layers=6 d=384 heads=12 d_head=32 d_ff=1536 vocab=30522 positions=512 act=gelu norm=post
    /// embeddings word=f32[30522, 384] position=f32[512, 384] token_type=f32[2, 384] norm
    /// blocks.0 heads=12/12
    ///   attention.q  dense f32[384, 384] bias
    /// ```
    /// A Llama-family model adds what differs from BERT/GPT-2 to the model line (`kv_heads=2
    /// rmsnorm mlp=gated rope=10000 rope_scaling=llama3x8 window=4096`), its embeddings say
    /// `position=rotary`, and a block that lost key/value heads says `kv_heads=1/2`.
    public func printed() -> String {
        let c = config
        var model = "model \(c.architecture.rawValue) layers=\(c.layerCount) d=\(c.hiddenSize) heads=\(c.headCount) "
            + "d_head=\(c.headDim) d_ff=\(c.intermediateSize) vocab=\(c.vocabSize) positions=\(c.maxPositions) "
            + "act=\(c.activation.rawValue) norm=\(c.normPlacement.rawValue)\(c.causal ? " causal" : "")"
        if c.kvHeadCount != c.headCount { model += " kv_heads=\(c.kvHeadCount)" }
        if c.norm == .rms { model += " rmsnorm" }
        if c.mlpKind == .gated { model += " mlp=gated" }
        if let rotary = c.rotary {
            model += " rope=\(rotary.theta.formatted)"
            if let s = rotary.scaling { model += " rope_scaling=\(s.kind.rawValue)x\(s.factor.formatted)" }
        }
        if let w = c.slidingWindow { model += " window=\(w)" }
        if let r = c.relativePositions { model += " relative_positions=\(r.buckets)/\(r.maxDistance)" }
        if let scale = c.attentionScale { model += " score_scale=\(Double(scale).formatted)" }
        if let layers = c.decoderLayerCount { model += " decoder_layers=\(layers)" }
        var lines = [model]
        var e = "embeddings word=\(embeddings.word.spec) position=\(embeddings.position.map { "\($0.spec)" } ?? "rotary")"
        if let t = embeddings.tokenType { e += " token_type=\(t.spec)" }
        if embeddings.norm != nil { e += " norm" }
        lines.append(e)
        for (i, block) in blocks.enumerated() {
            let kept = block.attention.keptHeads
            let heads = kept.count == c.headCount ? "\(kept.count)/\(c.headCount)"
                : "\(kept.count)/\(c.headCount) kept=\(kept.map(String.init).joined(separator: ","))"
            let kv = block.attention.keptKVHeads
            let groups = c.kvHeadCount == c.headCount ? "" : " kv_heads=\(kv.count)/\(c.kvHeadCount)"
            lines.append("blocks.\(i) heads=\(heads)\(groups)")
            for (path, linear) in linears where path.blockIndex == i {
                lines.append("  " + Self.describe(linear, path.components.dropFirst(2).joined(separator: ".")))
            }
        }
        var headParts: [String] = []
        if head.finalNorm != nil { headParts.append("final_norm") }
        if head.tiedToEmbeddings { headParts.append("lm=tied") }
        lines.append("head" + (headParts.isEmpty ? "" : " " + headParts.joined(separator: " ")))
        for (path, linear) in linears where path.components[0] == "head" {
            lines.append("  " + Self.describe(linear, path.components.dropFirst().joined(separator: ".")))
        }
        for (i, block) in (decoder?.blocks ?? []).enumerated() {
            lines.append("decoder.blocks.\(i) heads=\(block.attention.keptHeads.count)/\(c.headCount)"
                + " cross_heads=\(block.crossAttention?.keptHeads.count ?? 0)/\(c.headCount)")
            for (path, linear) in linears where path.components.count > 3 && path.components[0] == "decoder" && path.components[2] == "\(i)" {
                lines.append("  " + Self.describe(linear, path.components.dropFirst(3).joined(separator: ".")))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func describe(_ linear: Linear<T>, _ name: String) -> String {
        let padded = name + String(repeating: " ", count: max(0, 12 - name.count))
        let parts = linear.weight.parts.map { "\($0.role)=\($0.tensor.spec)" }.joined(separator: " ")
        var text = "\(padded) \(linear.weight.kind) \(parts)"
        switch linear.weight {
        case let .sparse(_, _, pattern, nonzeros), let .sparseInt8(_, _, _, pattern, nonzeros): text += " \(pattern) nnz=\(nonzeros)"
        case .dense, .lowRank, .int8, .lowRankInt8: break
        }
        if linear.activations == .dynamic { text += " activations=dynamic" }
        if linear.bias != nil { text += " bias" }
        return text
    }
}

private extension Double {
    /// 10000 rather than 10000.0; 0.5 as is.
    var formatted: String { self == rounded() && abs(self) < 1e15 ? String(Int(self)) : String(self) }
}
