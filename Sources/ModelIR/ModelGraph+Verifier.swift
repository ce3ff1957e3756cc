import TensorCore

extension ModelGraph {
    /// Structural invariants of the IR, checked after import and after every pass. Returns one
    /// error diagnostic per violation (empty when the graph is well formed); never reads weights.
    public func verify() -> [Diagnostic] {
        var v = Verification()
        let d = config.hiddenSize
        v.expect(config.layerCount == blocks.count, "model",
                 "config says \(config.layerCount) layers but the graph has \(blocks.count) blocks")
        if let dh = config.declaredHeadDim {
            v.expect(config.headCount > 0 && dh > 0, "model", "\(config.headCount) heads of width \(dh); both must be positive")
        } else {
            v.expect(config.headCount > 0 && d % config.headCount == 0, "model",
                     "hidden size \(d) is not a multiple of the head count \(config.headCount)")
        }
        v.expect(config.kvHeadCount > 0 && config.headCount % config.kvHeadCount == 0, "model",
                 "\(config.headCount) query heads cannot share \(config.kvHeadCount) key/value heads evenly")
        v.shape(embeddings.word, [config.vocabSize, d], "embeddings.word")
        if let position = embeddings.position {
            v.expect(config.rotary == nil, "embeddings.position", "a learned position table in a model with rotary positions")
            v.shape(position, [config.maxPositions, d], "embeddings.position")
        } else {
            v.expect(config.rotary != nil || config.relativePositions != nil, "embeddings",
                     "no position table, no rotary and no relative positions")
        }
        if let t = embeddings.tokenType { v.shape(t, [config.typeVocabSize, d], "embeddings.token_type") }
        if let norm = embeddings.norm { v.norm(norm, d, config.norm, "embeddings.norm") }

        for (i, block) in blocks.enumerated() { verify(block, at: "blocks.\(i)", &v) }
        if let rp = config.relativePositions {
            let table = [rp.buckets, config.headCount]
            if let t = embeddings.relativeBias { v.shape(t, table, "embeddings.relative_bias") } else {
                v.expect(false, "embeddings", "relative positions without a relative_bias table")
            }
            if let t = decoder?.relativeBias { v.shape(t, table, "decoder.relative_bias") }
        }
        v.expect((decoder?.blocks.count) == config.decoderLayerCount, "decoder",
                 "config says \(config.decoderLayerCount.map(String.init) ?? "no") decoder layers but the graph has \(decoder.map { "\($0.blocks.count)" } ?? "no decoder")")
        if let decoder {
            for (i, block) in decoder.blocks.enumerated() {
                let at = "decoder.blocks.\(i)"
                verify(block, at: at, &v)
                v.expect(block.crossAttention != nil && block.crossAttentionNorm != nil, at, "a decoder block without cross-attention")
            }
            v.norm(decoder.finalNorm, d, config.norm, "decoder.final_norm")
        }
        for (path, linear) in linears {
            v.linear(linear, path, expected: expectedFeatures(path))
        }
        if let norm = head.finalNorm { v.norm(norm, d, config.norm, "head.final_norm") }
        if let e = elimination {
            v.expect(e.layerCount == blocks.count, "elimination", "profile has \(e.layerCount) layers, the model \(blocks.count)")
            v.expect(e.ep.allSatisfy { $0 > 0 && $0 <= 1 }, "elimination", "EP values must lie in (0, 1]")
            v.expect(e.defaultLambda > 0, "elimination", "default λ \(e.defaultLambda) must be positive")
        }
        v.expect(!(head.tiedToEmbeddings && head.languageModel != nil), "head.lm",
                 "tied to the embeddings but also has its own weight")
        return v.diagnostics
    }

    /// One block's structure (heads, MLP, norms), at `at` (`blocks.3`, `decoder.blocks.0`).
    private func verify(_ block: Block<T>, at: String, _ v: inout Verification) {
        for (name, a) in [("attention", block.attention)] + (block.crossAttention.map { [("cross_attention", $0)] } ?? []) {
            let kept = a.keptHeads
            v.expect(!kept.isEmpty, "\(at).\(name)", "no heads kept; keep at least one head per layer")
            v.expect(zip(kept, kept.dropFirst()).allSatisfy { $0 < $1 } && kept.allSatisfy { (0..<config.headCount).contains($0) },
                     "\(at).\(name)", "kept heads \(kept) must be ascending indices below \(config.headCount)")
            v.expect(a.headDim == config.headDim, "\(at).\(name)", "head size \(a.headDim) differs from the config's d_h = \(config.headDim)")
            v.expect(a.queriesPerKVHead == config.queriesPerKVHead, "\(at).\(name)",
                     "\(a.queriesPerKVHead) query heads per key/value head, the config says \(config.queriesPerKVHead)")
        }
        v.expect(block.mlp.up.outFeatures == block.mlp.down.inFeatures, "\(at).mlp",
                 "up produces \(block.mlp.up.outFeatures) features but down takes \(block.mlp.down.inFeatures)")
        v.expect((block.mlp.gate != nil) == (config.mlpKind == .gated), "\(at).mlp",
                 config.mlpKind == .gated ? "a gated MLP without a gate" : "a gate in a plain MLP")
        v.norm(block.attentionNorm, config.hiddenSize, config.norm, "\(at).attention_norm")
        v.norm(block.mlpNorm, config.hiddenSize, config.norm, "\(at).mlp_norm")
        if let n = block.crossAttentionNorm { v.norm(n, config.hiddenSize, config.norm, "\(at).cross_attention_norm") }
    }

    /// (in, out) each linear must keep, from the config and the kept heads.
    private func expectedFeatures(_ path: LayerPath) -> (Int, Int)? {
        let d = config.hiddenSize, c = path.components
        let located: (Block<T>, ArraySlice<String>)? = if let i = path.blockIndex, blocks.indices.contains(i) {
            (blocks[i], c.dropFirst(2))
        } else if c.count > 3, c[0] == "decoder", c[1] == "blocks", let i = Int(c[2]), let decoder, decoder.blocks.indices.contains(i) {
            (decoder.blocks[i], c.dropFirst(3))
        } else {
            nil
        }
        if let (block, role) = located {
            let ff = block.mlp.up.outFeatures
            func attention(_ a: Attention<T>, _ part: String) -> (Int, Int)? {
                switch part {
                case "q": (d, a.innerSize)
                case "k", "v": (d, a.kvSize)
                case "o": (a.innerSize, d)
                default: nil
                }
            }
            switch (role.first, role.dropFirst().joined(separator: ".")) {
            case ("attention", let part): return attention(block.attention, part)
            case ("cross_attention", let part): return block.crossAttention.flatMap { attention($0, part) }
            case ("mlp", "up"), ("mlp", "gate"): return (d, ff)
            case ("mlp", "down"): return (ff, d)
            default: return nil
            }
        }
        switch path.description {
        case "head.pooler": return (d, d)
        case "head.classifier": return (d, head.classifier?.outFeatures ?? 0)
        case "head.lm": return (d, config.vocabSize)
        default: return nil
        }
    }
}

/// Collects verifier findings.
private struct Verification {
    var diagnostics: [Diagnostic] = []

    mutating func expect(_ condition: Bool, _ location: String, _ message: String) {
        if !condition { diagnostics.append(Diagnostic(.error, at: location, message)) }
    }

    mutating func shape(_ t: some TensorDescribing, _ dims: [Int], _ location: String) {
        expect(t.shape.dims == dims, location, "is \(t.spec), expected shape \(Shape(dims))")
    }

    mutating func float(_ t: some TensorDescribing, _ location: String) {
        expect(t.dtype.isFloatingPoint, location, "is \(t.spec), expected a floating-point dtype")
    }

    /// A LayerNorm has weight and bias [d]; an RMSNorm a weight [d] and no bias.
    mutating func norm(_ n: LayerNorm<some TensorDescribing>, _ d: Int, _ kind: NormKind, _ location: String) {
        shape(n.weight, [d], location + ".weight")
        switch (kind, n.bias) {
        case let (.layer, bias?): shape(bias, [d], location + ".bias")
        case (.layer, nil): expect(false, location, "a LayerNorm without a bias")
        case (.rms, nil): break
        case (.rms, _?): expect(false, location, "an RMSNorm with a bias")
        }
    }

    mutating func linear<T>(_ l: Linear<T>, _ path: LayerPath, expected: (Int, Int)?) {
        let at = path.description, out = l.outFeatures, inF = l.inFeatures
        if let (i, o) = expected {
            expect(inF == i && out == o, at, "maps \(inF) → \(out) features, expected \(i) → \(o)")
        }
        if let b = l.bias { shape(b, [out], at + ".bias"); float(b, at + ".bias") }
        expect(l.activations == .none || l.weight.isInt8, at,
               "has dynamic int8 activations but a \(l.weight.kind) weight; only int8 weights run int8 GEMMs (activations: none)")
        switch l.weight {
        case let .dense(w):
            shape(w, [out, inF], at + ".weight"); float(w, at + ".weight")
        case let .lowRank(u, v):
            let r = rank(u, at)
            shape(u, [out, r], at + ".u"); shape(v, [r, inF], at + ".v")
            float(u, at + ".u"); float(v, at + ".v")
        case let .sparse(values, mask, pattern, nonzeros):
            shape(values, [out, inF], at + ".values"); float(values, at + ".values")
            sparsity(mask, pattern, nonzeros, out: out, inF: inF, at)
        case let .int8(values, scales):
            int8(values, [out, inF], at + ".values")
            int8Scales(scales, out: out, inF: inF, at + ".scales")
        case let .lowRankInt8(u, uScales, v, vScales):
            let r = rank(u, at)
            int8(u, [out, r], at + ".u"); int8(v, [r, inF], at + ".v")
            shape(uScales, [out], at + ".u-scales"); float(uScales, at + ".u-scales")
            shape(vScales, [r], at + ".v-scales"); float(vScales, at + ".v-scales")
        case let .sparseInt8(values, scales, mask, pattern, nonzeros):
            int8(values, [out, inF], at + ".values")
            int8Scales(scales, out: out, inF: inF, at + ".scales")
            sparsity(mask, pattern, nonzeros, out: out, inF: inF, at)
        }
    }

    /// r of a low-rank factor u [out, r], which must be at least 1.
    mutating func rank(_ u: some TensorDescribing, _ at: String) -> Int {
        let r = u.shape.rank == 2 ? u.shape[1] : 0
        expect(r >= 1, at + ".u", "low-rank factor has rank \(r); rank must be at least 1")
        return r
    }

    mutating func int8(_ t: some TensorDescribing, _ dims: [Int], _ location: String) {
        shape(t, dims, location)
        expect(t.dtype == .i8, location, "is \(t.spec), expected i8")
    }

    /// Floating-point scales [out] (per channel) or [out, k] (per group of g = in/k inputs).
    mutating func int8Scales(_ s: some TensorDescribing, out: Int, inF: Int, _ location: String) {
        let d = s.shape.dims
        let perGroup = d.count == 2 && d[0] == out && d[1] >= 1 && inF % d[1] == 0
        expect(d == [out] || perGroup, location,
               "is \(s.spec), expected shape [\(out)] (per channel) or [\(out), in/g] for a group size g dividing in (\(inF))")
        float(s, location)
    }

    /// The bit mask u8 [out, ⌈in/8⌉], the nonzero count and the N:M pattern of a sparse weight.
    mutating func sparsity(_ mask: some TensorDescribing, _ pattern: SparsityPattern, _ nonzeros: Int,
                           out: Int, inF: Int, _ at: String) {
        shape(mask, [out, (inF + 7) / 8], at + ".mask")
        expect(mask.dtype == .u8, at + ".mask", "is \(mask.spec), expected u8 bits")
        expect((0...(out * inF)).contains(nonzeros), at, "declares \(nonzeros) nonzeros in a \(out)×\(inF) weight")
        if case let .nOfM(n, m) = pattern {
            expect(n >= 1 && n < m && inF % m == 0, at, "\(n):\(m) sparsity needs 1 ≤ n < m and in (\(inF)) divisible by m")
        }
    }
}
