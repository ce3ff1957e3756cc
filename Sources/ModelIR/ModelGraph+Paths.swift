extension ModelGraph {
    /// Every linear with its path, in execution order: per block q, k, v, o, up, down; then the
    /// head's pooler, classifier and language-model head.
    public var linears: [(path: LayerPath, linear: Linear<T>)] {
        var result: [(LayerPath, Linear<T>)] = []
        for (i, block) in blocks.enumerated() {
            let a = block.attention
            result += [(.block(i, "attention.q"), a.q), (.block(i, "attention.k"), a.k),
                       (.block(i, "attention.v"), a.v), (.block(i, "attention.o"), a.o),
                       (.block(i, "mlp.up"), block.mlp.up), (.block(i, "mlp.down"), block.mlp.down)]
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
    /// `blocks.0.mlp.up.u`, `blocks.0.attention_norm.weight`, ...), in a fixed order.
    public var namedTensors: [(name: String, tensor: T)] {
        var result: [(String, T)] = [("embeddings.word", embeddings.word), ("embeddings.position", embeddings.position)]
        if let t = embeddings.tokenType { result.append(("embeddings.token_type", t)) }
        if let norm = embeddings.norm { result += Self.tensors(of: norm, at: "embeddings.norm") }
        for (i, block) in blocks.enumerated() {
            result += linears.filter { $0.path.blockIndex == i && $0.path.components[2] == "attention" }
                .flatMap { Self.tensors(of: $0.linear, at: $0.path.description) }
            result += Self.tensors(of: block.attentionNorm, at: "blocks.\(i).attention_norm")
            result += Self.tensors(of: block.mlp.up, at: "blocks.\(i).mlp.up")
            result += Self.tensors(of: block.mlp.down, at: "blocks.\(i).mlp.down")
            result += Self.tensors(of: block.mlpNorm, at: "blocks.\(i).mlp_norm")
        }
        if let norm = head.finalNorm { result += Self.tensors(of: norm, at: "head.final_norm") }
        for (path, linear) in linears where path.components[0] == "head" {
            result += Self.tensors(of: linear, at: path.description)
        }
        return result
    }

    static func tensors(of linear: Linear<T>, at prefix: String) -> [(String, T)] {
        linear.weight.parts.map { ("\(prefix).\($0.role)", $0.tensor) } + (linear.bias.map { [("\(prefix).bias", $0)] } ?? [])
    }

    static func tensors(of norm: LayerNorm<T>, at prefix: String) -> [(String, T)] {
        [("\(prefix).weight", norm.weight), ("\(prefix).bias", norm.bias)]
    }
}
