extension ModelGraph {
    /// Every linear with its path, in execution order: per block q, k, v, o, gate (gated MLPs),
    /// up, down; then the head's pooler, classifier and language-model head; then an
    /// encoder-decoder's decoder blocks (`decoder.blocks.<i>.…`, with `cross_attention.q…o`).
    public var linears: [(path: LayerPath, linear: Linear<T>)] {
        var result: [(LayerPath, Linear<T>)] = []
        for (i, block) in blocks.enumerated() { result += Self.linears(of: block, at: "blocks.\(i)") }
        if let pooler = head.pooler { result.append(("head.pooler", pooler)) }
        if let classifier = head.classifier { result.append(("head.classifier", classifier)) }
        if let lm = head.languageModel { result.append(("head.lm", lm)) }
        for (i, block) in (decoder?.blocks ?? []).enumerated() { result += Self.linears(of: block, at: "decoder.blocks.\(i)") }
        return result
    }

    /// A block's linears under `prefix` (`blocks.3`), in execution order.
    static func linears(of block: Block<T>, at prefix: String) -> [(LayerPath, Linear<T>)] {
        let a = block.attention
        var result: [(LayerPath, Linear<T>)] = [(LayerPath("\(prefix).attention.q"), a.q), (LayerPath("\(prefix).attention.k"), a.k),
                                                (LayerPath("\(prefix).attention.v"), a.v), (LayerPath("\(prefix).attention.o"), a.o)]
        if let c = block.crossAttention {
            result += [(LayerPath("\(prefix).cross_attention.q"), c.q), (LayerPath("\(prefix).cross_attention.k"), c.k),
                       (LayerPath("\(prefix).cross_attention.v"), c.v), (LayerPath("\(prefix).cross_attention.o"), c.o)]
        }
        if let gate = block.mlp.gate { result.append((LayerPath("\(prefix).mlp.gate"), gate)) }
        result += [(LayerPath("\(prefix).mlp.up"), block.mlp.up), (LayerPath("\(prefix).mlp.down"), block.mlp.down)]
        return result
    }

    /// Paths of the linears a glob selects.
    public func linearPaths(matching glob: LayerGlob) -> [LayerPath] {
        linears.map(\.path).filter(glob.matches)
    }

    /// The linear at `path`, or nil when the path names none.
    public func linear(at path: LayerPath) -> Linear<T>? {
        linears.first { $0.path == path }?.linear
    }

    /// Replaces the linear at `path`; returns false when the path names none.
    @discardableResult
    public mutating func setLinear(_ linear: Linear<T>, at path: LayerPath) -> Bool {
        let c = path.components
        if let i = path.blockIndex, blocks.indices.contains(i), c.count == 4 {
            return Self.set(linear, role: (c[2], c[3]), in: &blocks[i])
        }
        if c.count == 5, c[0] == "decoder", c[1] == "blocks", let i = Int(c[2]), decoder?.blocks.indices.contains(i) == true {
            return Self.set(linear, role: (c[3], c[4]), in: &decoder!.blocks[i])
        }
        switch path.description {
        case "head.pooler" where head.pooler != nil: head.pooler = linear
        case "head.classifier" where head.classifier != nil: head.classifier = linear
        case "head.lm" where head.languageModel != nil: head.languageModel = linear
        default: return false
        }
        return true
    }

    /// Replaces the block's linear named by (sub-layer, role), e.g. ("attention", "q"); false when none.
    static func set(_ linear: Linear<T>, role: (String, String), in block: inout Block<T>) -> Bool {
        switch role {
        case ("attention", "q"): block.attention.q = linear
        case ("attention", "k"): block.attention.k = linear
        case ("attention", "v"): block.attention.v = linear
        case ("attention", "o"): block.attention.o = linear
        case ("cross_attention", "q") where block.crossAttention != nil: block.crossAttention!.q = linear
        case ("cross_attention", "k") where block.crossAttention != nil: block.crossAttention!.k = linear
        case ("cross_attention", "v") where block.crossAttention != nil: block.crossAttention!.v = linear
        case ("cross_attention", "o") where block.crossAttention != nil: block.crossAttention!.o = linear
        case ("mlp", "gate") where block.mlp.gate != nil: block.mlp.gate = linear
        case ("mlp", "up"): block.mlp.up = linear
        case ("mlp", "down"): block.mlp.down = linear
        default: return false
        }
        return true
    }

    /// Every tensor with its IR name (`embeddings.word`, `blocks.0.attention.q.weight`,
    /// `blocks.0.mlp.up.u`, `blocks.0.attention_norm.weight`, ...), in execution order.
    public var namedTensors: [(name: String, tensor: T)] {
        var result: [(name: String, tensor: T)] = []
        _ = mapNamed { name, t in result.append((name, t)); return t.spec }
        return result
    }

    /// `namedTensors` without the blocks' (`Block.namedTensors(index:)`): the embeddings, the
    /// head and any decoder, in the same order. A layer-by-layer run writes these first.
    public var namedTensorsOutsideBlocks: [(name: String, tensor: T)] {
        let inBlocks = Set(blocks.indices.flatMap { blocks[$0].namedTensors(index: $0).map(\.name) })
        return namedTensors.filter { !inBlocks.contains($0.name) }
    }

    /// `map` that also passes each tensor's IR name; the names and order of `namedTensors`.
    public func mapNamed<U>(_ f: (String, T) throws -> U) rethrows -> ModelGraph<U> {
        func norm(_ n: LayerNorm<T>, _ at: String) throws -> LayerNorm<U> { try Self.mapNamed(n, at, f) }
        func linear(_ l: Linear<T>, _ at: String) throws -> Linear<U> { try Self.mapNamed(l, at, f) }
        func block(_ b: Block<T>, _ at: String) throws -> Block<U> { try Self.mapNamed(b, at, f) }
        let e = embeddings
        let mappedEmbeddings = Embeddings<U>(
            word: try f("embeddings.word", e.word), position: try e.position.map { try f("embeddings.position", $0) },
            tokenType: try e.tokenType.map { try f("embeddings.token_type", $0) },
            norm: try e.norm.map { try norm($0, "embeddings.norm") },
            relativeBias: try e.relativeBias.map { try f("embeddings.relative_bias", $0) })
        let mappedBlocks = try blocks.enumerated().map { i, b in try block(b, "blocks.\(i)") }
        let h = head
        let mappedHead = Head<U>(
            finalNorm: try h.finalNorm.map { try norm($0, "head.final_norm") },
            pooler: try h.pooler.map { try linear($0, "head.pooler") },
            classifier: try h.classifier.map { try linear($0, "head.classifier") },
            languageModel: try h.languageModel.map { try linear($0, "head.lm") },
            tiedToEmbeddings: h.tiedToEmbeddings, logitScale: h.logitScale)
        let mappedDecoder = try decoder.map { d in
            DecoderStack<U>(blocks: try d.blocks.enumerated().map { i, b in try block(b, "decoder.blocks.\(i)") },
                            finalNorm: try norm(d.finalNorm, "decoder.final_norm"),
                            relativeBias: try d.relativeBias.map { try f("decoder.relative_bias", $0) })
        }
        return ModelGraph<U>(config: config, embeddings: mappedEmbeddings, blocks: mappedBlocks, head: mappedHead,
                             decoder: mappedDecoder, elimination: elimination)
    }

    static func mapNamed<U>(_ n: LayerNorm<T>, _ at: String, _ f: (String, T) throws -> U) rethrows -> LayerNorm<U> {
        LayerNorm(weight: try f("\(at).weight", n.weight), bias: try n.bias.map { try f("\(at).bias", $0) })
    }

    static func mapNamed<U>(_ l: Linear<T>, _ at: String, _ f: (String, T) throws -> U) rethrows -> Linear<U> {
        let roles = l.weight.parts.map(\.role)
        var index = 0
        let weight = try l.weight.map { t -> U in
            defer { index += 1 }
            return try f("\(at).\(roles[index])", t)
        }
        return Linear(inFeatures: l.inFeatures, outFeatures: l.outFeatures, weight: weight,
                      bias: try l.bias.map { try f("\(at).bias", $0) }, activations: l.activations)
    }

    static func mapNamed<U>(_ b: Block<T>, _ at: String, _ f: (String, T) throws -> U) rethrows -> Block<U> {
        func norm(_ n: LayerNorm<T>, _ at: String) throws -> LayerNorm<U> { try mapNamed(n, at, f) }
        func linear(_ l: Linear<T>, _ at: String) throws -> Linear<U> { try mapNamed(l, at, f) }
        func attention(_ a: Attention<T>, _ at: String) throws -> Attention<U> {
            Attention(q: try linear(a.q, "\(at).q"), k: try linear(a.k, "\(at).k"), v: try linear(a.v, "\(at).v"),
                      o: try linear(a.o, "\(at).o"), headDim: a.headDim, keptHeads: a.keptHeads, queriesPerKVHead: a.queriesPerKVHead)
        }
        let selfAttention = try attention(b.attention, "\(at).attention")
        let attentionNorm = try norm(b.attentionNorm, "\(at).attention_norm")
        let cross = try b.crossAttention.map { try attention($0, "\(at).cross_attention") }
        let crossNorm = try b.crossAttentionNorm.map { try norm($0, "\(at).cross_attention_norm") }
        let gate = try b.mlp.gate.map { try linear($0, "\(at).mlp.gate") }
        let mlp = MLP(up: try linear(b.mlp.up, "\(at).mlp.up"), down: try linear(b.mlp.down, "\(at).mlp.down"), gate: gate)
        return Block(attention: selfAttention, attentionNorm: attentionNorm, mlp: mlp, mlpNorm: try norm(b.mlpNorm, "\(at).mlp_norm"),
                     crossAttention: cross, crossAttentionNorm: crossNorm)
    }

    static func tensors(of linear: Linear<T>, at prefix: String) -> [(String, T)] {
        linear.weight.parts.map { ("\(prefix).\($0.role)", $0.tensor) } + (linear.bias.map { [("\(prefix).bias", $0)] } ?? [])
    }
}

extension Block {
    /// This block's linears with their paths as block `index` (`blocks.<index>.attention.q`, …),
    /// in execution order: the block's part of `ModelGraph.linears`.
    public func linears(index: Int) -> [(path: LayerPath, linear: Linear<T>)] {
        ModelGraph<T>.linears(of: self, at: "blocks.\(index)").map { (path: $0.0, linear: $0.1) }
    }

    /// Replaces the linear at `path` (`blocks.<i>.<part>.<role>`); false when the path names none.
    @discardableResult
    public mutating func setLinear(_ linear: Linear<T>, at path: LayerPath) -> Bool {
        let c = path.components
        guard c.count == 4, c[0] == "blocks" else { return false }
        return ModelGraph<T>.set(linear, role: (c[2], c[3]), in: &self)
    }
}

extension Block {
    /// `map` that also passes each tensor's IR name as block `index`.
    public func mapNamed<U>(index: Int, _ f: (String, T) throws -> U) rethrows -> Block<U> {
        try ModelGraph<T>.mapNamed(self, "blocks.\(index)", f)
    }

    /// Every tensor of this block with its IR name as block `index` (`blocks.<index>.mlp.up.weight`,
    /// …), in the order `ModelGraph.namedTensors` lists them.
    public func namedTensors(index: Int) -> [(name: String, tensor: T)] {
        var result: [(name: String, tensor: T)] = []
        _ = mapNamed(index: index) { name, t in result.append((name, t)); return t.spec }
        return result
    }
}
