/// What the model is run on: `batch` samples of `sequenceLength` tokens each (no padding).
public struct Workload: Codable, Sendable, Equatable {
    public var batch: Int
    public var sequenceLength: Int

    public init(batch: Int = 1, sequenceLength: Int = 128) {
        self.batch = batch
        self.sequenceLength = sequenceLength
    }
}

/// FLOPs of one block, by sub-layer (ACC-SPEC §6.1; a multiply-add counts 2).
/// n = tokens entering the block, m = tokens leaving it (n = m without elimination);
/// d = hidden size, d_a = h·d_h the attention width, h kept heads, d_ff the MLP width.
public struct BlockCost: Codable, Sendable, Equatable {
    /// Q, K, V projections: 3 · (2·n·d·d_a + n·d_a) for dense weights with bias.
    public var qkv: Int
    /// Q·Kᵀ: 2·n²·d_a.
    public var scores: Int
    /// scale, mask, softmax: 5·h·n².
    public var softmax: Int
    /// P·V: 2·n²·d_a.
    public var context: Int
    /// W_O on the kept tokens: 2·m·d_a·d + m·d.
    public var output: Int
    /// two residual adds + LayerNorms: 16·m·d.
    public var norms: Int
    /// up, activation, down: (2·m·d·d_ff + m·d_ff) + 8·m·d_ff + (2·m·d_ff·d + m·d).
    public var mlp: Int
    /// Score vector for Sort/Eliminate (head mean + column sums): (h+1)·n², only when m < n.
    public var selection: Int = 0

    public var total: Int { qkv + scores + softmax + context + output + norms + mlp + selection }
    /// The part computed on all n tokens, before the Eliminate layer.
    public var beforeElimination: Int { qkv + scores + softmax + context }
}

/// FLOPs of a whole forward pass for a workload, summed over the batch.
public struct ModelCost: Codable, Sendable, Equatable {
    /// Embedding sums and LayerNorm.
    public var embeddings: Int
    public var blocks: [BlockCost]
    /// Final norm, pooler, classifier, language-model head.
    public var head: Int

    public var total: Int { embeddings + blocks.reduce(0) { $0 + $1.total } + head }
}

/// The static cost model: FLOPs from shapes and forms alone, never from timing.
public enum CostModel {
    /// FLOPs of y = x·Wᵀ + b for `tokens` rows of x, as the form computes it:
    /// dense or int8 2·n·in·out, low-rank (f32 or int8) 2·n·r·(in+out), sparse (f32 or int8)
    /// 2·n·nnz (what a sparse kernel does), plus n·out for a bias and, for the int8 forms, n per
    /// stored scale (each rescales one partial sum per token: n·out per channel, n·out·in/g per
    /// group, n·(out + r) for low-rank int8).
    public static func flops<T>(_ linear: Linear<T>, tokens n: Int) -> Int {
        let bias = linear.bias == nil ? 0 : n * linear.outFeatures
        let rescale = n * linear.weight.parts.filter { $0.role.hasSuffix("scales") }.reduce(0) { $0 + $1.tensor.elementCount }
        switch linear.weight {
        case .dense, .int8:
            return 2 * n * linear.inFeatures * linear.outFeatures + rescale + bias
        case let .lowRank(u, _), let .lowRankInt8(u, _, _, _):
            return 2 * n * u.shape[1] * (linear.inFeatures + linear.outFeatures) + rescale + bias
        case let .sparse(_, _, _, nonzeros), let .sparseInt8(_, _, _, _, nonzeros):
            return 2 * n * nonzeros + rescale + bias
        }
    }

    /// One block with n tokens in and m tokens out (ACC-SPEC §6.1, Eq. 4').
    public static func flops<T>(_ block: Block<T>, hiddenSize d: Int, tokensIn n: Int, tokensOut m: Int) -> BlockCost {
        let a = block.attention
        let h = a.keptHeads.count, inner = a.innerSize, ff = block.mlp.up.outFeatures
        return BlockCost(
            qkv: flops(a.q, tokens: n) + flops(a.k, tokens: n) + flops(a.v, tokens: n),
            scores: 2 * n * n * inner,
            softmax: 5 * h * n * n,
            context: 2 * n * n * inner,
            output: flops(a.o, tokens: m),
            norms: 16 * m * d,
            mlp: flops(block.mlp.up, tokens: m) + 8 * m * ff + flops(block.mlp.down, tokens: m),
            selection: m < n ? (h + 1) * n * n : 0)
    }

    /// The whole model on `workload`, every block seeing all tokens (no elimination).
    /// Embeddings: (k−1)·n·d for summing k tables, plus 7·n·d for a LayerNorm.
    /// Head: 7·n·d for a final norm; per sample 2·d² + 2·d for the pooler (tanh counted once per
    /// output) and 2·d·C + C for a classifier; 2·n·d·V for a language-model head over all positions.
    public static func flops<T>(_ graph: ModelGraph<T>, workload: Workload) -> ModelCost {
        let n = workload.sequenceLength, b = workload.batch, d = graph.config.hiddenSize
        let tables = 2 + (graph.embeddings.tokenType == nil ? 0 : 1)
        let embeddings = (tables - 1) * n * d + (graph.embeddings.norm == nil ? 0 : 7 * n * d)
        var head = graph.head.finalNorm == nil ? 0 : 7 * n * d
        if let pooler = graph.head.pooler { head += flops(pooler, tokens: 1) + d }
        if let classifier = graph.head.classifier { head += flops(classifier, tokens: 1) }
        if let lm = graph.head.languageModel {
            head += flops(lm, tokens: n)
        } else if graph.head.tiedToEmbeddings {
            head += 2 * n * d * graph.config.vocabSize
        }
        let blocks = graph.blocks.map { block -> BlockCost in
            var c = flops(block, hiddenSize: d, tokensIn: n, tokensOut: n)
            c.scale(by: b)
            return c
        }
        return ModelCost(embeddings: b * embeddings, blocks: blocks, head: b * head)
    }
}

extension BlockCost {
    mutating func scale(by k: Int) {
        qkv *= k; scores *= k; softmax *= k; context *= k; output *= k; norms *= k; mlp *= k; selection *= k
    }
}
