import ModelIR
import TensorCore

/// A Model with its weights laid out for the kernels: widened to f32, except 16-bit (bf16, f16)
/// dense weights and word embeddings, which stay as stored (`HalfWeight`, `WordTable`). Built once; the
/// forward passes only read it, so it is shared freely across threads. What differs between
/// architectures is data read here once (norm kind, rotary frequencies, key/value heads, a
/// gate), not branches on the architecture.
public struct PreparedModel: Sendable {
    /// A LayerNorm (weight and bias) or an RMSNorm (weight, no bias), as `config.norm` says.
    struct Norm: Sendable {
        let weight: [Float]
        let bias: [Float]?
        init(_ n: LayerNorm<Tensor>) {
            weight = n.weight.floats()
            bias = n.bias?.floats()
        }
    }

    struct Layer: Sendable {
        /// Q, K and V: one stacked linear [d_a + 2·d_kv, d] when their forms allow
        /// (`PreparedLinear.stacked`), else three. Never both, so their weights are held once.
        let qkv: [PreparedLinear]
        let o: PreparedLinear
        let headDim: Int
        /// h, the query heads.
        let heads: Int
        /// g, the key/value heads (g = h without grouped-query attention).
        let kvHeads: Int
        /// For each query head, the key/value head it reads (`Attention.kvHeadOfQuery`).
        let kvOfQuery: [Int]
        /// Original indices of the query heads (their columns of a relative bias table).
        let keptHeads: [Int]
        /// A decoder block's cross-attention (T5), or nil.
        let cross: CrossAttention?
        let attentionNorm: Norm
        /// The MLP's input side: [up] for a plain MLP; for a gated one [gate; up] stacked into one
        /// linear [2·d_ff, d] when their forms allow, else [gate, up].
        let mlpIn: [PreparedLinear]
        let gated: Bool
        let down: PreparedLinear
        let mlpNorm: Norm

        /// h·d_h, the width of Q and of the context.
        var attentionWidth: Int { heads * headDim }
        /// g·d_h, the width of K and V.
        var kvWidth: Int { kvHeads * headDim }
        /// d_a + 2·d_kv, a row of Q | K | V.
        var qkvWidth: Int { attentionWidth + 2 * kvWidth }
        /// d_ff.
        var intermediateSize: Int { down.inFeatures }
    }

    /// Cross-attention of a decoder block: queries from the decoder (`q`), keys and values from
    /// the encoder output (`kv`: [W_k; W_v] stacked when their forms allow, else two), `o`.
    struct CrossAttention: Sendable {
        let norm: Norm
        let q: PreparedLinear
        let kv: [PreparedLinear]
        let o: PreparedLinear
        let heads: Int
        let headDim: Int
    }

    /// An encoder-decoder's decoder stack (T5).
    struct Decoder: Sendable {
        let layers: [Layer]
        let finalNorm: Norm
        /// [buckets, H], unidirectional.
        let relativeBias: [Float]?
    }

    public let config: ModelConfig
    /// [vocab, d], f32 or as stored in 16 bits.
    let word: WordTable
    /// The learned position table [maxPositions, d]; nil with rotary positions.
    let position: [Float]?
    let tokenType: [Float]?
    let embeddingNorm: Norm?
    let layers: [Layer]
    let finalNorm: Norm?
    let pooler: PreparedLinear?
    let classifier: PreparedLinear?
    /// [vocab, d]: the LM head's weight (the word embeddings when tied).
    let languageModel: PreparedLinear?
    /// cos and sin of p·θ_i for p < maxPositions, [maxPositions, d_h/2] each, with rotary positions.
    let rotary: (cos: [Float], sin: [Float])?
    /// The encoder stack's relative position bias [buckets, H] (T5), bidirectional.
    let relativeBias: [Float]?
    /// T5's logit scale on the decoder output before a tied LM head.
    let logitScale: Float?
    let decoder: Decoder?

    /// The prepared form of one block (self-attention, optional cross-attention, MLP).
    static func layer(_ b: Block<Tensor>) -> Layer {
        let a = b.attention
        let separate = [PreparedLinear(a.q), PreparedLinear(a.k), PreparedLinear(a.v)]
        let input = ([b.mlp.gate].compactMap { $0 } + [b.mlp.up]).map { PreparedLinear($0) }
        let cross = b.crossAttention.map { c in
            let kv = [PreparedLinear(c.k), PreparedLinear(c.v)]
            return CrossAttention(norm: Norm(b.crossAttentionNorm!), q: PreparedLinear(c.q), kv: PreparedLinear.stacked(kv).map { [$0] } ?? kv,
                                  o: PreparedLinear(c.o), heads: c.keptHeads.count, headDim: c.headDim)
        }
        return Layer(qkv: PreparedLinear.stacked(separate).map { [$0] } ?? separate, o: PreparedLinear(a.o),
                     headDim: a.headDim, heads: a.keptHeads.count, kvHeads: a.keptKVHeads.count, kvOfQuery: a.kvHeadOfQuery,
                     keptHeads: a.keptHeads, cross: cross, attentionNorm: Norm(b.attentionNorm),
                     mlpIn: input.count > 1 ? (PreparedLinear.stacked(input).map { [$0] } ?? input) : input,
                     gated: b.mlp.gate != nil, down: PreparedLinear(b.mlp.down), mlpNorm: Norm(b.mlpNorm))
    }

    public init(_ model: Model) {
        config = model.config
        word = WordTable(model.embeddings.word)
        position = model.embeddings.position?.floats()
        tokenType = model.embeddings.tokenType?.floats()
        embeddingNorm = model.embeddings.norm.map(Norm.init)
        layers = model.blocks.map(Self.layer)
        finalNorm = model.head.finalNorm.map(Norm.init)
        pooler = model.head.pooler.map { PreparedLinear($0) }
        classifier = model.head.classifier.map { PreparedLinear($0) }
        if let lm = model.head.languageModel {
            languageModel = PreparedLinear(lm)
        } else if model.head.tiedToEmbeddings {
            languageModel = PreparedLinear(Linear(inFeatures: model.config.hiddenSize, outFeatures: model.config.vocabSize,
                                                  weight: .dense(model.embeddings.word), bias: nil))
        } else {
            languageModel = nil
        }
        rotary = model.config.rotary.map { r in
            RotaryEmbedding.table(r.inverseFrequencies(headDim: model.config.headDim), positions: Array(0..<model.config.maxPositions))
        }
        relativeBias = model.embeddings.relativeBias?.floats()
        logitScale = model.head.logitScale
        decoder = model.decoder.map { d in
            Decoder(layers: d.blocks.map(Self.layer), finalNorm: Norm(d.finalNorm), relativeBias: d.relativeBias?.floats())
        }
    }
}
