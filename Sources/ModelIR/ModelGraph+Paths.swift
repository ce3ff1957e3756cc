extension ModelGraph {
    /// Every linear with its path, in execution order: per block q, k, v, o, gate (gated MLPs),
    /// up, down; then the head's pooler, classifier and language-model head.
    public var linears: [(path: LayerPath, linear: Linear<T>)] {
        var result: [(LayerPath, Linear<T>)] = []
        for (i, block) in blocks.enumerated() {
            let a = block.attention
            result += [(.block(i, "attention.q"), a.q), (.block(i, "attention.k"), a.k),
                       (.block(i, "attention.v"), a.v), (.block(i, "attention.o"), a.o)]
            if let gate = block.mlp.gate { result.append((.block(i, "mlp.gate"), gate)) }
            result += [(.block(i, "mlp.up"), block.mlp.up), (.block(i, "mlp.down"), block.mlp.down)]
        }
        if let pooler = head.pooler { result.append(("head.pooler", pooler)) }
        if let classifier = head.classifier { result.append(("head.classifier", classifier)) }
        if let lm = head.languageModel { result.append(("head.lm", lm)) }
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
            switch (c[2], c[3]) {
            case ("attention", "q"): blocks[i].attention.q = linear
            case ("attention", "k"): blocks[i].attention.k = linear
            case ("attention", "v"): blocks[i].attention.v = linear
            case ("attention", "o"): blocks[i].attention.o = linear
            case ("mlp", "gate") where blocks[i].mlp.gate != nil: blocks[i].mlp.gate = linear
            case ("mlp", "up"): blocks[i].mlp.up = linear
            case ("mlp", "down"): blocks[i].mlp.down = linear
            default: return false
            }
            return true
        }
        switch path.description {
        case "head.pooler" where head.pooler != nil: head.pooler = linear
        case "head.classifier" where head.classifier != nil: head.classifier = linear
        case "head.lm" where head.languageModel != nil: head.languageModel = linear
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

    /// `map` that also passes each tensor's IR name; the names and order of `namedTensors`.
    public func mapNamed<U>(_ f: (String, T) throws -> U) rethrows -> ModelGraph<U> {
        func norm(_ n: LayerNorm<T>, _ at: String) throws -> LayerNorm<U> {
            LayerNorm(weight: try f("\(at).weight", n.weight), bias: try n.bias.map { try f("\(at).bias", $0) })
        }
        func linear(_ l: Linear<T>, _ at: String) throws -> Linear<U> {
            let roles = l.weight.parts.map(\.role)
            var index = 0
            let weight = try l.weight.map { t -> U in
                defer { index += 1 }
                return try f("\(at).\(roles[index])", t)
            }
            return Linear(inFeatures: l.inFeatures, outFeatures: l.outFeatures, weight: weight,
                          bias: try l.bias.map { try f("\(at).bias", $0) }, activations: l.activations)
        }
        let e = embeddings
        let mappedEmbeddings = Embeddings<U>(
            word: try f("embeddings.word", e.word), position: try e.position.map { try f("embeddings.position", $0) },
            tokenType: try e.tokenType.map { try f("embeddings.token_type", $0) },
            norm: try e.norm.map { try norm($0, "embeddings.norm") })
        let mappedBlocks = try blocks.enumerated().map { i, b -> Block<U> in
            let a = b.attention, at = "blocks.\(i)"
            let attention = Attention(
                q: try linear(a.q, "\(at).attention.q"), k: try linear(a.k, "\(at).attention.k"),
                v: try linear(a.v, "\(at).attention.v"), o: try linear(a.o, "\(at).attention.o"),
                headDim: a.headDim, keptHeads: a.keptHeads, queriesPerKVHead: a.queriesPerKVHead)
            let attentionNorm = try norm(b.attentionNorm, "\(at).attention_norm")
            let gate = try b.mlp.gate.map { try linear($0, "\(at).mlp.gate") }
            let mlp = MLP(up: try linear(b.mlp.up, "\(at).mlp.up"), down: try linear(b.mlp.down, "\(at).mlp.down"), gate: gate)
            return Block(attention: attention, attentionNorm: attentionNorm, mlp: mlp,
                         mlpNorm: try norm(b.mlpNorm, "\(at).mlp_norm"))
        }
        let h = head
        let mappedHead = Head<U>(
            finalNorm: try h.finalNorm.map { try norm($0, "head.final_norm") },
            pooler: try h.pooler.map { try linear($0, "head.pooler") },
            classifier: try h.classifier.map { try linear($0, "head.classifier") },
            languageModel: try h.languageModel.map { try linear($0, "head.lm") },
            tiedToEmbeddings: h.tiedToEmbeddings)
        return ModelGraph<U>(config: config, embeddings: mappedEmbeddings, blocks: mappedBlocks, head: mappedHead,
                             elimination: elimination)
    }

    static func tensors(of linear: Linear<T>, at prefix: String) -> [(String, T)] {
        linear.weight.parts.map { ("\(prefix).\($0.role)", $0.tensor) } + (linear.bias.map { [("\(prefix).bias", $0)] } ?? [])
    }
}
