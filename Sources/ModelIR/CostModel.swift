/// What the model is run on: `batch` samples of `sequenceLength` tokens each (no padding).
public struct Workload: Codable, Sendable, Equatable {
    public var batch: Int
    public var sequenceLength: Int
    /// Tokens an encoder-decoder's decoder generates per sample (T5); nil for single stacks.
    /// The decoder's figures hold for this many tokens (`CostModel.decoderCost`).
    public var generatedTokens: Int?

    public init(batch: Int = 1, sequenceLength: Int = 128, generatedTokens: Int? = nil) {
        self.batch = batch
        self.sequenceLength = sequenceLength
        self.generatedTokens = generatedTokens
    }

    /// The default for an encoder-decoder when the workload names none.
    public static let defaultGeneratedTokens = 32
}

/// The cost of one block by sub-layer: FLOPs by the formulas below (ACC-SPEC §6.1; a
/// multiply-add counts 2), or f32-GEMM FLOPs under `CostModel.Pricing.runtime`.
/// n = tokens entering the block, m = tokens leaving it (n = m without elimination);
/// d = hidden size, d_a = h·d_h the attention width, h kept query heads, d_kv = g·d_h the width
/// of K and V (g kept key/value heads; d_kv = d_a without grouped-query attention), d_ff the MLP width.
///
/// The one per-sub-layer FLOPs type: the cost model prices blocks with it, the report shows it per
/// block (`Report.LayerCost.subLayers`, encoded as the nine sub-layers of `SubLayer` order) and
/// `pare inspect` lists it per layer.
public struct BlockCost: Sendable, Equatable {
    /// Q, K, V projections: 2·n·d·(d_a + 2·d_kv) plus n per bias element, for dense weights;
    /// with rotary positions also 3·n·(d_a + d_kv) to rotate Q and K (two products and a sum each).
    public var qkv: Int
    /// Q·Kᵀ: 2·n²·d_a.
    public var scores: Int
    /// scale, mask, softmax: 5·h·n²; plus h·n² for a relative position bias (T5).
    public var softmax: Int
    /// P·V: 2·n²·d_a.
    public var context: Int
    /// W_O on the kept tokens: 2·m·d_a·d + m·d.
    public var output: Int
    /// two residual adds + norms: 16·m·d with LayerNorms (1 + 7 each), 10·m·d with RMSNorms (1 + 4).
    public var norms: Int
    /// up, activation, down: (2·m·d·d_ff + m·d_ff) + 8·m·d_ff + (2·m·d_ff·d + m·d); a gated MLP
    /// adds its gate, 2·m·d·d_ff, and the product act(gate) ⊙ up, m·d_ff (biases as present).
    public var mlp: Int
    /// Score vector for Sort/Eliminate (head mean + column sums): (h+1)·n², only when m < n;
    /// when merging also the matching, 3·n·d (normalising) + 2·(n−m)·m·d (cosines) +
    /// 2·(n−m)·(d + d_a) (size-weighted averages of the residual and context rows).
    public var selection: Int = 0
    /// The MLP's up projection alone (part of `mlp`), as `CostModel.cost(_:tokens:pricing:)` prices it.
    public var mlpUp: Int = 0
    /// The MLP's down projection alone (part of `mlp`).
    public var mlpDown: Int = 0

    public init(qkv: Int, scores: Int, softmax: Int, context: Int, output: Int, norms: Int, mlp: Int, selection: Int = 0,
                mlpUp: Int = 0, mlpDown: Int = 0) {
        self.qkv = qkv
        self.scores = scores
        self.softmax = softmax
        self.context = context
        self.output = output
        self.norms = norms
        self.mlp = mlp
        self.selection = selection
        self.mlpUp = mlpUp
        self.mlpDown = mlpDown
    }

    public static let zero = BlockCost(qkv: 0, scores: 0, softmax: 0, context: 0, output: 0, norms: 0, mlp: 0)

    /// The MLP apart from its up and down projections: the activation, and a gated MLP's gate
    /// projection and product.
    public var mlpActivation: Int { mlp - mlpUp - mlpDown }
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
    /// An encoder-decoder's decoder blocks over the generated tokens (`CostModel.decoderCost`);
    /// nil for single stacks. The LM head's per-token cost is in `head`.
    public var decoder: [BlockCost]?

    public var total: Int { embeddings + blocks.reduce(0) { $0 + $1.total } + head + (decoder ?? []).reduce(0) { $0 + $1.total } }
}

/// What a block's cost depends on beyond its linears and heads: the model's norm kind and
/// position scheme (`ModelConfig.norm`, `.rotary`).
public struct BlockForm: Sendable, Equatable {
    public var norm: NormKind
    public var rotary: Bool
    /// T5's relative position bias, added to every score (h·n² elements).
    public var relativeBias: Bool

    public init(norm: NormKind = .layer, rotary: Bool = false, relativeBias: Bool = false) {
        self.norm = norm
        self.rotary = rotary
        self.relativeBias = relativeBias
    }

    public init(_ config: ModelConfig) {
        self.init(norm: config.norm, rotary: config.rotary != nil, relativeBias: config.relativePositions != nil)
    }

    /// BERT and GPT-2: LayerNorms, learned positions.
    public static let standard = BlockForm()
}

/// The tokens a block sees over a batch: per sample, n tokens in and m ≤ n out of its Eliminate
/// layer. The runtime stacks the samples' rows ([Σ n, d]) for every linear and attends per sample.
public struct BlockTokens: Sendable {
    public var samples: [(in: Int, out: Int)]

    public init(samples: [(in: Int, out: Int)]) { self.samples = samples }

    /// One sample.
    public init(tokensIn n: Int, tokensOut m: Int) { self.init(samples: [(n, m)]) }

    /// `batch` samples alike.
    public init(batch: Int, tokensIn n: Int, tokensOut m: Int) { self.init(samples: Array(repeating: (n, m), count: batch)) }

    /// Block l of a batch whose sample s keeps counts[s] = N_0…N_L: N_{l−1} in, N_l out.
    public init(counts: [[Int]], block l: Int) { self.init(samples: counts.map { ($0[l], $0[l + 1]) }) }

    /// N = Σ n_s: the rows of Q, K and V.
    public var rowsIn: Int { samples.reduce(0) { $0 + $1.in } }
    /// M = Σ m_s: the rows of W_O, the MLP and the norms.
    public var rowsOut: Int { samples.reduce(0) { $0 + $1.out } }
    /// Σ n_s²: each sample's attention scores.
    public var squaresIn: Int { samples.reduce(0) { $0 + $1.in * $1.in } }
}

/// The static cost model: costs from shapes and forms alone, never from timing, priced one of
/// two ways (`Pricing`): FLOPs as ACC-SPEC §6.1 counts them, or what Pare's runtime spends.
public enum CostModel {
    /// How a cost is counted.
    public enum Pricing: Sendable, Equatable {
        /// FLOPs (a multiply-add counts 2), sparse weights at their nonzeros: what a sparse kernel
        /// would do. The unit of ACC-SPEC's Eq. (4').
        case flops
        /// What Pare's runtime does, in f32-GEMM FLOPs at these rates (`KernelRates`): sparse
        /// weights run dense, weight-only int8 runs as f32, int8 GEMMs at the int8 rate plus their
        /// quantization, low-rank factors at the efficiency of skinny GEMMs, and memory-bound
        /// passes (softmax, norms, activations) at their own per-element cost.
        case runtime(KernelRates)

        public static let reference = Pricing.runtime(.reference)
    }

    /// FLOPs of y = x·Wᵀ + b for `tokens` rows of x, as the form computes it:
    /// dense or int8 2·n·in·out, low-rank (f32 or int8) 2·n·r·(in+out), sparse (f32 or int8)
    /// 2·n·nnz (what a sparse kernel does), plus n·out for a bias and, for the int8 forms, n per
    /// stored scale (each rescales one partial sum per token: n·out per channel, n·out·in/g per
    /// group, n·(out + r) for low-rank int8).
    public static func flops<T>(_ linear: Linear<T>, tokens n: Int) -> Int {
        cost(linear, tokens: n, pricing: .flops)
    }

    /// The cost of y = x·Wᵀ + b for `tokens` rows of x. `.flops`: see `flops(_:tokens:)`.
    /// `.runtime(ρ)`: the kernel the runtime builds for it (`LinearKernel`) at `LinearKernel.cost`:
    /// - f32 (dense, sparse, weight-only int8): 2·n·i·o (at ρ's measured GEMM rate for the shape, if
    ///   any), plus n·o·ρ.elementwise for a bias;
    /// - int8 with dynamic activations (int8, sparse-int8): 2·n·i·o / ρ.int8GEMM
    ///   + n·i·ρ.quantize + n·o·(i/g)·ρ.dequantize (bias fused into the dequantization);
    /// - low-rank (r): G(in, r) + G(r, out), each divided by the efficiency r / (r + ρ.halfEfficiencyRank)
    ///   unless ρ has measured GEMM rates.
    public static func cost<T>(_ linear: Linear<T>, tokens n: Int, pricing: Pricing) -> Int {
        guard case let .runtime(rates) = pricing else {
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
        return Int(runtimeCost(linear, tokens: n, rates: rates).rounded())
    }

    /// `cost(_:tokens:pricing:)` for `.runtime`, unrounded: the kernel the runtime runs
    /// (`LinearKernel`, on a machine with int8 GEMMs when `ρ.int8GEMMAvailable`) at its cost.
    static func runtimeCost<T>(_ linear: Linear<T>, tokens n: Int, rates ρ: KernelRates) -> Double {
        LinearKernel(linear, int8GEMMs: ρ.int8GEMMAvailable)
            .cost(tokens: n, inFeatures: linear.inFeatures, outFeatures: linear.outFeatures, biased: linear.bias != nil, rates: ρ)
    }

    /// The cost of Q, K and V on n tokens. The runtime stacks them into one linear of out =
    /// Σ out_i when all three run one f32 GEMM or all one int8 GEMM of the same group count
    /// (`PreparedLinear.stacked`): priced as that one linear (one quantization of x instead of
    /// three; one wider GEMM, which a measured GEMM table may price faster); else as three.
    static func qkvCost<T>(_ a: Attention<T>, tokens n: Int, pricing: Pricing) -> Int {
        let parts = [a.q, a.k, a.v]
        let separate = parts.reduce(0) { $0 + cost($1, tokens: n, pricing: pricing) }
        guard case let .runtime(ρ) = pricing, parts.allSatisfy({ $0.inFeatures == a.q.inFeatures }) else { return separate }
        let kernels = parts.map { LinearKernel($0, int8GEMMs: ρ.int8GEMMAvailable) }
        switch kernels[0] {
        case .f32, .int8:
            let same = kernels.allSatisfy { k in
                switch (k, kernels[0]) {
                case (.f32, .f32): true
                case let (.int8(g), .int8(first)): g == first
                default: false
                }
            }
            guard same else { return separate }
            // Without a measured table an f32 stack costs what its parts cost (linear in out).
            if case .f32 = kernels[0], ρ.gemm == nil { return separate }
            let out = parts.reduce(0) { $0 + $1.outFeatures }
            return Int(kernels[0].cost(tokens: n, inFeatures: a.q.inFeatures, outFeatures: out,
                                       biased: parts.contains { $0.bias != nil }, rates: ρ).rounded())
        case .lowRank, .lowRankInt8:
            return separate
        }
    }

    /// One block with n tokens in and m tokens out (ACC-SPEC §6.1, Eq. 4'), in FLOPs.
    public static func flops<T>(_ block: Block<T>, hiddenSize d: Int, tokensIn n: Int, tokensOut m: Int,
                                form: BlockForm = .standard) -> BlockCost {
        cost(block, hiddenSize: d, tokensIn: n, tokensOut: m, pricing: .flops, form: form)
    }

    /// One block with n tokens in and m tokens out, one sample: `cost(_:hiddenSize:tokens:…)` of
    /// `BlockTokens(tokensIn: n, tokensOut: m)`.
    public static func cost<T>(_ block: Block<T>, hiddenSize d: Int, tokensIn n: Int, tokensOut m: Int, pricing: Pricing,
                               merging: Bool = false, energy: Bool = false, form: BlockForm = .standard) -> BlockCost {
        cost(block, hiddenSize: d, tokens: BlockTokens(tokensIn: n, tokensOut: m), pricing: pricing, merging: merging, energy: energy, form: form)
    }

    /// One block over a batch, sample s with n_s tokens in and m_s out; N = Σ n_s, M = Σ m_s.
    /// The runtime stacks the samples' rows, so every linear runs once on N (Q, K, V) or M (the
    /// rest) rows and is priced at that shape; attention, the Eliminate layer and merging work per
    /// sample (their n_s² terms sum over samples). `.flops`: the formulas of `BlockCost`.
    /// `.runtime(ρ)`: linears by `cost(_:tokens:pricing:)`, Q·Kᵀ and P·V at ρ.attentionGEMM(n) per
    /// FLOP, h·n² probabilities at ρ.softmax(n) (each at the sample's length n), m·d_ff activations at ρ.activation, m·d at ρ.norms,
    /// and for the Sort/Eliminate layer (m < n) (h+1)·n² score sums and m·d gathered at
    /// ρ.elementwise; `merging` adds the cosine GEMM at ρ.attentionGEMM per FLOP and n·d +
    /// (n−m)·(d + d_a) elements normalised and averaged at ρ.elementwise; `energy` (choosing the
    /// kept tokens by redundancy) the n×n cosine GEMM, 2·n²·d at ρ.attentionGEMM, and n·d + n²
    /// elements normalised and summed (FLOPs: 2·n²·d + 3·n·d + n²). Rotating Q and K costs
    /// n·(d_a + d_kv) elements, a gated MLP's product m·d_ff and a relative bias h·n², all at
    /// ρ.elementwise; an RMSNorm is priced as a LayerNorm (one pass over the row either way).
    public static func cost<T>(_ block: Block<T>, hiddenSize d: Int, tokens: BlockTokens, pricing: Pricing,
                               merging: Bool = false, energy: Bool = false, form: BlockForm = .standard) -> BlockCost {
        let a = block.attention
        let h = a.keptHeads.count, inner = a.innerSize, ff = block.mlp.up.outFeatures
        let n = tokens.rowsIn, m = tokens.rowsOut, squares = tokens.squaresIn
        let gate = block.mlp.gate.map { cost($0, tokens: m, pricing: pricing) } ?? 0
        let rotated = form.rotary ? n * (inner + a.kvSize) : 0, gated = block.mlp.gate == nil ? 0 : m * ff
        let biased = form.relativeBias ? h * squares : 0
        let up = cost(block.mlp.up, tokens: m, pricing: pricing), down = cost(block.mlp.down, tokens: m, pricing: pricing)
        let linears = (qkv: qkvCost(a, tokens: n, pricing: pricing), output: cost(a.o, tokens: m, pricing: pricing), mlp: gate + up + down)
        // The Eliminate layer's terms, over the samples that eliminate (m_s < n_s).
        let eliminating = tokens.samples.filter { $0.in > $0.out }
        func sum(_ term: (_ n: Int, _ m: Int) -> Int) -> Int { eliminating.reduce(0) { $0 + term($1.in, $1.out) } }
        switch pricing {
        case .flops:
            return BlockCost(
                qkv: linears.qkv + 3 * rotated, scores: 2 * squares * inner, softmax: 5 * h * squares + biased, context: 2 * squares * inner,
                output: linears.output, norms: (form.norm == .rms ? 10 : 16) * m * d, mlp: linears.mlp + 8 * m * ff + gated,
                selection: sum { n, m in
                    (h + 1) * n * n + (merging ? 3 * n * d + 2 * (n - m) * m * d + 2 * (n - m) * (d + inner) : 0)
                        + (energy ? 2 * n * n * d + 3 * n * d + n * n : 0)
                },
                mlpUp: up, mlpDown: down)
        case let .runtime(ρ):
            func priced(_ count: Int, _ rate: Double) -> Int { Int((Double(count) * rate).rounded()) }
            // Attention's rates depend on each sample's length (`KernelRates.attentionGEMM(tokens:)`).
            let products = tokens.samples.reduce(0) { $0 + priced(2 * $1.in * $1.in * inner, ρ.attentionGEMM(tokens: $1.in)) }
            let probabilities = tokens.samples.reduce(0) { $0 + priced(h * $1.in * $1.in, ρ.softmax(tokens: $1.in)) }
            return BlockCost(
                qkv: linears.qkv + priced(rotated, ρ.elementwise), scores: products,
                softmax: probabilities + priced(biased, ρ.elementwise), context: products,
                output: linears.output, norms: priced(m * d, ρ.norms),
                mlp: linears.mlp + priced(m * ff, ρ.activation) + priced(gated, ρ.elementwise),
                selection: sum { n, m in
                    priced((h + 1) * n * n + m * d, ρ.elementwise)
                        + (merging ? priced(2 * (n - m) * m * d, ρ.attentionGEMM(tokens: n)) + priced(n * d + (n - m) * (d + inner), ρ.elementwise) : 0)
                        + (energy ? priced(2 * n * n * d, ρ.attentionGEMM(tokens: n)) + priced(n * d + n * n, ρ.elementwise) : 0)
                },
                mlpUp: up, mlpDown: down)
        }
    }

    /// The whole model on `workload` in FLOPs, every block seeing all tokens (no elimination).
    public static func flops<T>(_ graph: ModelGraph<T>, workload: Workload) -> ModelCost {
        cost(graph, workload: workload, pricing: .flops)
    }

    /// The whole model on `workload`, every block seeing all tokens (no elimination).
    /// FLOPs: embeddings (k−1)·n·d for summing k tables, plus 7·n·d for a LayerNorm; head 7·n·d
    /// for a final norm; per sample 2·d² + 2·d for the pooler (tanh counted once per output) and
    /// 2·d·C + C for a classifier; 2·d·V for a language-model head, at each sample's last position:
    /// the next-token logits, which is what the forward pass and a generation's prefill compute
    /// (perplexity scoring, which needs every position's logits, is not this workload).
    /// Runtime: the same linears priced by `cost` on the batch's stacked rows (the pooler, the
    /// classifier and the LM head on one row per sample, b rows), each norm n·d·ρ.norms / 2, the
    /// table sums and the pooler's tanh at ρ.elementwise.
    public static func cost<T>(_ graph: ModelGraph<T>, workload: Workload, pricing: Pricing) -> ModelCost {
        let n = workload.sequenceLength, b = workload.batch, d = graph.config.hiddenSize
        var head = finalNormCost(graph, rows: b * n, pricing: pricing) + outputsCost(graph, rows: b, pricing: pricing)
        let form = BlockForm(graph.config)
        let blocks = graph.blocks.map { cost($0, hiddenSize: d, tokens: BlockTokens(batch: b, tokensIn: n, tokensOut: n), pricing: pricing, form: form) }
        let embeddings = embeddingsCost(graph, rows: b * n, pricing: pricing)
        guard let decoder = graph.decoder else { return ModelCost(embeddings: embeddings, blocks: blocks, head: head) }
        // Encoder-decoder: the decoder's final norm and the LM head run once per generated token.
        let g = workload.generatedTokens ?? Workload.defaultGeneratedTokens
        head += g * normCost(graph, rows: b, pricing: pricing) + (g - 1) * outputsCost(graph, rows: b, pricing: pricing)
        let decoderBlocks = decoder.blocks.map {
            decoderCost($0, hiddenSize: d, encoderTokens: n, generated: g, batch: b, pricing: pricing, form: form)
        }
        return ModelCost(embeddings: embeddings, blocks: blocks, head: head, decoder: decoderBlocks)
    }

    /// Summing the k embedding tables and the embedding norm over `rows` tokens: (k−1)·rows·d
    /// elementwise, plus the norm when the model has one.
    static func embeddingsCost<T>(_ graph: ModelGraph<T>, rows: Int, pricing: Pricing) -> Int {
        let tables = 1 + (graph.embeddings.position == nil ? 0 : 1) + (graph.embeddings.tokenType == nil ? 0 : 1)
        return elementwiseCost((tables - 1) * rows * graph.config.hiddenSize, pricing: pricing)
            + (graph.embeddings.norm == nil ? 0 : normCost(graph, rows: rows, pricing: pricing))
    }

    /// The final norm over `rows` tokens, when the model has one.
    static func finalNormCost<T>(_ graph: ModelGraph<T>, rows: Int, pricing: Pricing) -> Int {
        graph.head.finalNorm == nil ? 0 : normCost(graph, rows: rows, pricing: pricing)
    }

    /// The head's linears on `rows` rows (one per sample): pooler (and its tanh), classifier,
    /// language-model head or the tied embedding table.
    static func outputsCost<T>(_ graph: ModelGraph<T>, rows: Int, pricing: Pricing) -> Int {
        let d = graph.config.hiddenSize
        var c = 0
        if let pooler = graph.head.pooler { c += cost(pooler, tokens: rows, pricing: pricing) + elementwiseCost(rows * d, pricing: pricing) }
        if let classifier = graph.head.classifier { c += cost(classifier, tokens: rows, pricing: pricing) }
        if let lm = graph.head.languageModel {
            c += cost(lm, tokens: rows, pricing: pricing)
        } else if graph.head.tiedToEmbeddings {
            c += 2 * rows * d * graph.config.vocabSize
        }
        return c
    }

    /// One norm over `rows` tokens: 7·rows·d FLOPs (LayerNorm) or 4·rows·d (RMSNorm); at runtime
    /// rows·d·ρ.norms / 2 (ρ.norms prices a block's two).
    static func normCost<T>(_ graph: ModelGraph<T>, rows: Int, pricing: Pricing) -> Int {
        let elements = rows * graph.config.hiddenSize
        if case let .runtime(ρ) = pricing { return Int((Double(elements) * ρ.norms / 2).rounded()) }
        return (graph.config.norm == .rms ? 4 : 7) * elements
    }

    static func elementwiseCost(_ count: Int, pricing: Pricing) -> Int {
        if case let .runtime(ρ) = pricing { return Int((Double(count) * ρ.elementwise).rounded()) }
        return count
    }
}

extension CostModel {
    /// A decoder block (self-attention with a KV cache, cross-attention, MLP) generating g tokens
    /// greedily over n encoder rows for each of b samples, summed over the steps t = 1…g (one new
    /// row per sample each, the b rows stacked for the linears):
    /// - qkv: Q, K, V of the new rows, g times; cross-attention's Q, g times; its K and V of the
    ///   b·n encoder rows, once;
    /// - scores and context: self-attention 2·t·d_a at step t (Σ = g(g+1)·d_a), cross-attention
    ///   2·n·d_a per step, per sample; softmax over the same t and n keys per head;
    /// - output: self and cross W_O per step; mlp per step; norms: three per step.
    /// Priced as `cost(block…)` prices its parts.
    public static func decoderCost<T>(_ block: Block<T>, hiddenSize d: Int, encoderTokens n: Int, generated g: Int, batch b: Int = 1,
                                      pricing: Pricing, form: BlockForm = .standard) -> BlockCost {
        let keys = b * (g * (g + 1) / 2 + g * n)
        let step = cost(block, hiddenSize: d, tokens: BlockTokens(batch: b, tokensIn: 1, tokensOut: 1), pricing: pricing, form: form)
        var result = step
        result.scale(by: g)
        // A step's block priced one key per sample; count the real keys instead.
        let perKey = cost(block, hiddenSize: d, tokensIn: 1, tokensOut: 1, pricing: pricing, form: form)
        result.scores = perKey.scores * keys
        result.context = perKey.context * keys
        result.softmax = perKey.softmax * keys
        if let c = block.crossAttention {
            result.qkv += g * cost(c.q, tokens: b, pricing: pricing) + cost(c.k, tokens: b * n, pricing: pricing) + cost(c.v, tokens: b * n, pricing: pricing)
            result.output += g * cost(c.o, tokens: b, pricing: pricing)
            result.norms += (g * step.norms) / 2
        }
        return result
    }
}

extension BlockCost {
    mutating func scale(by k: Int) {
        qkv *= k; scores *= k; softmax *= k; context *= k; output *= k; norms *= k; mlp *= k; selection *= k
        mlpUp *= k; mlpDown *= k
    }
}
