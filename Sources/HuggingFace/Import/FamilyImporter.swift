import ModelIR

/// Builds the IR graph of a checkpoint from its family's description: each IR module present in
/// the description is taken under its Hugging Face name, with the shape the config implies.
struct FamilyImporter<S: WeightSource> {
    let family: HFFamily
    let config: ModelConfig
    var taker: TensorTaker<S>
    /// `family.basePrefix` when the checkpoint uses it, else "".
    let prefix: String
    /// Which linears have a bias (`HFFamily.biases`); nil takes one wherever the checkpoint has it.
    let biases: BiasGroups?
    /// The heads each encoder block keeps when config.json's `pruned_heads` lists it; all others
    /// keep every head.
    let keptHeads: [Int: [Int]]

    init(family: HFFamily, config: ModelConfig, biases: BiasGroups?, keptHeads: [Int: [Int]], taker: TensorTaker<S>) {
        self.family = family
        self.config = config
        self.biases = biases
        self.keptHeads = keptHeads
        self.taker = taker
        let word = family.name("embeddings.word", prefix: family.basePrefix).map { "\($0).weight" }
        prefix = word.map(taker.has) ?? false ? family.basePrefix : ""
    }

    static func graph(_ family: HFFamily, _ c: ModelConfig, biases: BiasGroups?, keptHeads: [Int: [Int]], tied: Bool,
                      _ t: inout TensorTaker<S>) throws(ImportError) -> ModelGraph<S.T> {
        var importer = FamilyImporter(family: family, config: c, biases: biases, keptHeads: keptHeads, taker: t)
        defer { t = importer.taker }
        return try importer.graph(tied: tied)
    }

    private mutating func graph(tied: Bool) throws(ImportError) -> ModelGraph<S.T> {
        let c = config, d = c.hiddenSize
        for buffer in family.buffers {
            let indices = buffer.contains("{i}") ? Array(0..<c.layerCount) : [0]
            for i in indices { taker.acceptBuffer(HFModule.expand(buffer, i, prefix: prefix)) }
        }
        for copy in family.modules where copy.layout == .copy { taker.acceptBuffer(copy.hf(0, prefix: prefix) + ".weight") }
        let relativeShape: [Int?] = [c.relativePositions?.buckets ?? 0, c.headCount]
        let embeddings = Embeddings<S.T>(
            word: try table("embeddings.word", [c.vocabSize, d])!,
            position: try table("embeddings.position", [c.maxPositions, d]),
            tokenType: c.typeVocabSize > 0 ? try table("embeddings.token_type", [c.typeVocabSize, d]) : nil,
            norm: try optionalNorm("embeddings.norm"),
            relativeBias: try table("embeddings.relative_bias", relativeShape))
        var blocks: [Block<S.T>] = []
        for i in 0..<c.layerCount { blocks.append(try block("blocks.{i}", i)) }
        var decoder: DecoderStack<S.T>?
        if family.row("decoder.blocks.{i}.attention.q") != nil {
            var decoderBlocks: [Block<S.T>] = []
            for i in 0..<(c.decoderLayerCount ?? 0) { decoderBlocks.append(try block("decoder.blocks.{i}", i)) }
            decoder = DecoderStack(blocks: decoderBlocks, finalNorm: try norm("decoder.final_norm"),
                                   relativeBias: try table("decoder.relative_bias", relativeShape))
        }
        var head = Head<S.T>(finalNorm: try optionalNorm("head.final_norm"))
        if let pooler = family.name("head.pooler", prefix: prefix), taker.has("\(pooler).weight") {
            head.pooler = try linear("head.pooler", 0, in: d, out: d)
        }
        if let classifier = family.name("head.classifier", prefix: prefix), taker.has("\(classifier).weight") {
            head.classifier = try linear("head.classifier", 0, in: d, out: nil)
        }
        if let lm = family.name("head.lm", prefix: prefix) {
            if tied {
                head.tiedToEmbeddings = true
                if family.tiedLogitScale { head.logitScale = 1 / Float(d).squareRoot() }
                // A saved copy of the tied weight is the same parameter: accept it, store it once.
                taker.acceptBuffer("\(lm).weight")
            } else {
                head.languageModel = try linear("head.lm", 0, in: d, out: c.vocabSize)
            }
        }
        return ModelGraph(config: c, embeddings: embeddings, blocks: blocks, head: head, decoder: decoder)
    }

    /// Block `i` of the stack whose IR prefix pattern is `at` (`blocks.{i}`, `decoder.blocks.{i}`).
    private mutating func block(_ at: String, _ i: Int) throws(ImportError) -> Block<S.T> {
        let cross = family.row("\(at).cross_attention.q") != nil
        return Block(attention: try attention("\(at).attention", i), attentionNorm: try norm("\(at).attention_norm", i),
                     mlp: try mlp("\(at).mlp", i), mlpNorm: try norm("\(at).mlp_norm", i),
                     crossAttention: cross ? try attention("\(at).cross_attention", i) : nil,
                     crossAttentionNorm: cross ? try norm("\(at).cross_attention_norm", i) : nil)
    }

    /// Attention `at` of block `i`: q [h·d_h, d], k, v [g·d_h, d], o [d, h·d_h] for the h heads it
    /// keeps (`keptHeads`, encoder self-attention only) and the g key/value heads they read.
    private mutating func attention(_ at: String, _ i: Int) throws(ImportError) -> Attention<S.T> {
        let c = config, d = c.hiddenSize
        let heads = at == "blocks.{i}.attention" ? keptHeads[i] ?? Array(0..<c.headCount) : Array(0..<c.headCount)
        let inner = heads.count * c.headDim, kv = Set(heads.map { $0 / c.queriesPerKVHead }).count * c.headDim
        let q, k, v: Linear<S.T>
        if let row = family.row("\(at).q"), case let .fused(_, parts) = row.layout {
            let fused = try taker.takeConv1D(row.hf(i, prefix: prefix), in: d, out: parts * inner)
            q = split(fused, part: 0, of: inner)
            k = split(fused, part: 1, of: inner)
            v = split(fused, part: 2, of: inner)
        } else {
            q = try linear("\(at).q", i, in: d, out: inner)
            k = try linear("\(at).k", i, in: d, out: kv)
            v = try linear("\(at).v", i, in: d, out: kv)
        }
        return Attention(q: q, k: k, v: v, o: try linear("\(at).o", i, in: inner, out: d), headDim: c.headDim,
                         keptHeads: heads, queriesPerKVHead: c.queriesPerKVHead)
    }

    private mutating func mlp(_ at: String, _ i: Int) throws(ImportError) -> MLP<S.T> {
        let d = config.hiddenSize, ff = config.intermediateSize
        return MLP(up: try linear("\(at).up", i, in: d, out: ff), down: try linear("\(at).down", i, in: ff, out: d),
                   gate: config.mlpKind == .gated ? try linear("\(at).gate", i, in: d, out: ff) : nil)
    }

    /// The linear `ir` of block `i`, as its layout stores it.
    private mutating func linear(_ ir: String, _ i: Int, in inFeatures: Int, out outFeatures: Int?) throws(ImportError) -> Linear<S.T> {
        guard let row = family.row(ir, mlp: config.mlpKind) else { preconditionFailure("\(ir) is not in the description") }
        let name = row.hf(i, prefix: prefix)
        switch row.layout {
        case .conv1D: return try taker.takeConv1D(name, in: inFeatures, out: outFeatures!)
        default: return try taker.takeLinear(name, in: inFeatures, out: outFeatures, bias: biases?.has(ir))
        }
    }

    private mutating func norm(_ ir: String, _ i: Int = 0) throws(ImportError) -> LayerNorm<S.T> {
        guard let name = family.name(ir, i, prefix: prefix) else { preconditionFailure("\(ir) is not in the description") }
        let d = config.hiddenSize
        if family.normsHaveBias { return try taker.takeNorm(name, d) }
        return LayerNorm(weight: try taker.take("\(name).weight", [d]), bias: nil)
    }

    private mutating func optionalNorm(_ ir: String) throws(ImportError) -> LayerNorm<S.T>? {
        family.row(ir) == nil ? nil : try norm(ir)
    }

    /// The table `ir` (`weight` of an embedding or bias table), nil when the family has none.
    private mutating func table(_ ir: String, _ shape: [Int?]) throws(ImportError) -> S.T? {
        guard let name = family.name(ir, prefix: prefix) else { return nil }
        return try taker.take("\(name).weight", shape)
    }

    /// Rows [part·w, (part+1)·w) of a fused projection: part 0 = q, 1 = k, 2 = v.
    private func split(_ fused: Linear<S.T>, part: Int, of w: Int) -> Linear<S.T> {
        guard case let .dense(m) = fused.weight else { preconditionFailure("a fused projection is imported dense") }
        let rows = (part * w)..<((part + 1) * w)
        return Linear(inFeatures: fused.inFeatures, outFeatures: w, weight: .dense(taker.source.slice(m, rows)),
                      bias: fused.bias.map { taker.source.slice($0, rows) })
    }
}
