/// Token, position and segment embeddings, summed, then an optional LayerNorm (BERT).
public struct Embeddings<T: TensorDescribing>: Sendable {
    /// [vocab, d]
    public var word: T
    /// [maxPositions, d]; nil when positions are rotary (`ModelConfig.rotary`).
    public var position: T?
    /// [typeVocab, d], BERT only.
    public var tokenType: T?
    public var norm: LayerNorm<T>?
    /// T5's relative position bias of the (encoder) stack, [buckets, H]: column h is added to
    /// query head h's scores in every layer (`ModelConfig.relativePositions`).
    public var relativeBias: T?

    public init(word: T, position: T?, tokenType: T?, norm: LayerNorm<T>?, relativeBias: T? = nil) {
        self.word = word
        self.position = position
        self.tokenType = tokenType
        self.norm = norm
        self.relativeBias = relativeBias
    }

    public func map<U>(_ f: (T) throws -> U) rethrows -> Embeddings<U> {
        Embeddings<U>(word: try f(word), position: try position.map(f),
                      tokenType: try tokenType.map(f), norm: try norm.map { try $0.map(f) },
                      relativeBias: try relativeBias.map(f))
    }
}

/// Self-attention with h query heads and g key/value heads, each of width d_h: q: [d] → [h·d_h];
/// k, v: [d] → [g·d_h]; o: [h·d_h] → [d], where h = keptHeads.count and g = keptKVHeads.count.
/// Query head j (an original index) reads key/value head ⌊j / queriesPerKVHead⌋; with
/// queriesPerKVHead = 1 (multi-head attention, BERT and GPT-2) g = h and head j reads its own.
public struct Attention<T: TensorDescribing>: Sendable {
    public var q: Linear<T>
    public var k: Linear<T>
    public var v: Linear<T>
    public var o: Linear<T>
    /// d_h, unchanged by head pruning.
    public var headDim: Int
    /// Indices (into the original H query heads) still present, ascending.
    public var keptHeads: [Int]
    /// H/G of the original model, the query heads that share one key/value head (grouped-query
    /// attention); 1 for multi-head attention.
    public var queriesPerKVHead: Int

    public init(q: Linear<T>, k: Linear<T>, v: Linear<T>, o: Linear<T>, headDim: Int, keptHeads: [Int], queriesPerKVHead: Int = 1) {
        self.q = q
        self.k = k
        self.v = v
        self.o = o
        self.headDim = headDim
        self.keptHeads = keptHeads
        self.queriesPerKVHead = queriesPerKVHead
    }

    /// h·d_h, the width of Q and of W_O's input.
    public var innerSize: Int { keptHeads.count * headDim }
    /// Indices (into the original G key/value heads) that a kept query head reads, ascending: a
    /// key/value head stays while any query head of its group does.
    public var keptKVHeads: [Int] {
        var seen: [Int] = []
        for j in keptHeads where seen.last != j / queriesPerKVHead { seen.append(j / queriesPerKVHead) }
        return seen
    }
    /// g·d_h, the width of K and V.
    public var kvSize: Int { keptKVHeads.count * headDim }
    /// For each kept query head, in order, the position among `keptKVHeads` of the key/value head it reads.
    public var kvHeadOfQuery: [Int] {
        let kv = keptKVHeads
        return keptHeads.map { kv.firstIndex(of: $0 / queriesPerKVHead)! }
    }

    public func map<U>(_ f: (T) throws -> U) rethrows -> Attention<U> {
        Attention<U>(q: try q.map(f), k: try k.map(f), v: try v.map(f), o: try o.map(f),
                     headDim: headDim, keptHeads: keptHeads, queriesPerKVHead: queriesPerKVHead)
    }
}

/// down(act(up(x))), or with a gate down(act(gate(x)) ⊙ up(x)) (`MLPKind.gated`, SwiGLU);
/// gate, up: [d] → [d_ff], down: [d_ff] → [d].
public struct MLP<T: TensorDescribing>: Sendable {
    public var up: Linear<T>
    public var down: Linear<T>
    public var gate: Linear<T>?

    public init(up: Linear<T>, down: Linear<T>, gate: Linear<T>? = nil) {
        self.up = up
        self.down = down
        self.gate = gate
    }

    public func map<U>(_ f: (T) throws -> U) rethrows -> MLP<U> {
        MLP<U>(up: try up.map(f), down: try down.map(f), gate: try gate.map { try $0.map(f) })
    }
}

/// One transformer layer. With post-norm (BERT): h = LN₁(x + Attn(x)), out = LN₂(h + MLP(h)).
/// With pre-norm (GPT-2, Llama): h = x + Attn(LN₁(x)), out = h + MLP(LN₂(h)).
/// An encoder-decoder's decoder block (T5) adds cross-attention between them:
/// h = x + Attn(N₁(x)), h' = h + CrossAttn(N_c(h), encoder output), out = h' + MLP(N₂(h')).
public struct Block<T: TensorDescribing>: Sendable {
    public var attention: Attention<T>
    public var attentionNorm: LayerNorm<T>
    public var mlp: MLP<T>
    public var mlpNorm: LayerNorm<T>
    /// Queries from the decoder, keys and values from the encoder's output (decoder blocks only).
    public var crossAttention: Attention<T>?
    public var crossAttentionNorm: LayerNorm<T>?

    public init(attention: Attention<T>, attentionNorm: LayerNorm<T>, mlp: MLP<T>, mlpNorm: LayerNorm<T>,
                crossAttention: Attention<T>? = nil, crossAttentionNorm: LayerNorm<T>? = nil) {
        self.attention = attention
        self.attentionNorm = attentionNorm
        self.mlp = mlp
        self.mlpNorm = mlpNorm
        self.crossAttention = crossAttention
        self.crossAttentionNorm = crossAttentionNorm
    }

    public func map<U>(_ f: (T) throws -> U) rethrows -> Block<U> {
        Block<U>(attention: try attention.map(f), attentionNorm: try attentionNorm.map(f),
                 mlp: try mlp.map(f), mlpNorm: try mlpNorm.map(f), crossAttention: try crossAttention.map { try $0.map(f) },
                 crossAttentionNorm: try crossAttentionNorm.map { try $0.map(f) })
    }
}

/// An encoder-decoder's second stack (T5): it embeds with the shared word table, runs `blocks`
/// (causal self-attention, cross-attention over the encoder output), then `finalNorm`; the
/// model's `Head.languageModel` (or the tied word table) turns its output into logits.
public struct DecoderStack<T: TensorDescribing>: Sendable {
    public var blocks: [Block<T>]
    public var finalNorm: LayerNorm<T>
    /// The decoder's relative position bias [buckets, H] (unidirectional), as the encoder's.
    public var relativeBias: T?

    public init(blocks: [Block<T>], finalNorm: LayerNorm<T>, relativeBias: T?) {
        self.blocks = blocks
        self.finalNorm = finalNorm
        self.relativeBias = relativeBias
    }

    public func map<U>(_ f: (T) throws -> U) rethrows -> DecoderStack<U> {
        DecoderStack<U>(blocks: try blocks.map { try $0.map(f) }, finalNorm: try finalNorm.map(f), relativeBias: try relativeBias.map(f))
    }
}

/// What follows the last block.
public struct Head<T: TensorDescribing>: Sendable {
    /// GPT-2 `ln_f`.
    public var finalNorm: LayerNorm<T>?
    /// BERT pooler: tanh(W·h_CLS + b), [d] → [d].
    public var pooler: Linear<T>?
    /// Sequence classifier on the pooled output, [d] → [labels].
    public var classifier: Linear<T>?
    /// Language-model head [d] → [vocab]; `tiedToEmbeddings` reuses the word embeddings.
    public var languageModel: Linear<T>?
    public var tiedToEmbeddings: Bool
    /// A factor on the hidden state before the LM head (T5 with tied embeddings: d^−½); nil is 1.
    public var logitScale: Float?

    public init(finalNorm: LayerNorm<T>? = nil, pooler: Linear<T>? = nil, classifier: Linear<T>? = nil,
                languageModel: Linear<T>? = nil, tiedToEmbeddings: Bool = false, logitScale: Float? = nil) {
        self.finalNorm = finalNorm
        self.pooler = pooler
        self.classifier = classifier
        self.languageModel = languageModel
        self.tiedToEmbeddings = tiedToEmbeddings
        self.logitScale = logitScale
    }

    public func map<U>(_ f: (T) throws -> U) rethrows -> Head<U> {
        Head<U>(finalNorm: try finalNorm.map { try $0.map(f) }, pooler: try pooler.map { try $0.map(f) },
                classifier: try classifier.map { try $0.map(f) },
                languageModel: try languageModel.map { try $0.map(f) }, tiedToEmbeddings: tiedToEmbeddings, logitScale: logitScale)
    }
}

extension Embeddings: Equatable where T: Equatable {}
extension Embeddings: Codable where T: Codable {}
extension Attention: Equatable where T: Equatable {}
extension Attention: Codable where T: Codable {
    enum CodingKeys: String, CodingKey { case q, k, v, o, headDim, keptHeads, queriesPerKVHead }

    /// `queriesPerKVHead` is written only for grouped-query attention; absent, it reads as 1.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(q: try c.decode(Linear<T>.self, forKey: .q), k: try c.decode(Linear<T>.self, forKey: .k),
                  v: try c.decode(Linear<T>.self, forKey: .v), o: try c.decode(Linear<T>.self, forKey: .o),
                  headDim: try c.decode(Int.self, forKey: .headDim), keptHeads: try c.decode([Int].self, forKey: .keptHeads),
                  queriesPerKVHead: try c.decodeIfPresent(Int.self, forKey: .queriesPerKVHead) ?? 1)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(q, forKey: .q)
        try c.encode(k, forKey: .k)
        try c.encode(v, forKey: .v)
        try c.encode(o, forKey: .o)
        try c.encode(headDim, forKey: .headDim)
        try c.encode(keptHeads, forKey: .keptHeads)
        if queriesPerKVHead != 1 { try c.encode(queriesPerKVHead, forKey: .queriesPerKVHead) }
    }
}
extension MLP: Equatable where T: Equatable {}
extension MLP: Codable where T: Codable {}
extension Block: Equatable where T: Equatable {}
extension Block: Codable where T: Codable {}
extension DecoderStack: Equatable where T: Equatable {}
extension DecoderStack: Codable where T: Codable {}
extension Head: Equatable where T: Equatable {}
extension Head: Codable where T: Codable {}
