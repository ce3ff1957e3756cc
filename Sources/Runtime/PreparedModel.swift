import ModelIR
import TensorCore

/// A Model with every weight widened to f32 and laid out for the kernels. Built once; the
/// forward passes only read it, so it is shared freely across threads.
public struct PreparedModel: Sendable {
    struct Norm: Sendable {
        let weight: [Float]
        let bias: [Float]
        init(_ n: LayerNorm<Tensor>) {
            weight = n.weight.floats()
            bias = n.bias.floats()
        }
    }

    struct Layer: Sendable {
        /// Q, K and V: one stacked linear [3·d_a, d] when their forms allow (`PreparedLinear.stacked`),
        /// else three. Never both, so their weights are held once.
        let qkv: [PreparedLinear]
        let o: PreparedLinear
        let headDim: Int
        let heads: Int
        let attentionNorm: Norm
        let up, down: PreparedLinear
        let mlpNorm: Norm

        /// h·d_h
        var attentionWidth: Int { heads * headDim }
    }

    public let config: ModelConfig
    let word: [Float]
    let position: [Float]
    let tokenType: [Float]?
    let embeddingNorm: Norm?
    let layers: [Layer]
    let finalNorm: Norm?
    let pooler: PreparedLinear?
    let classifier: PreparedLinear?
    /// [vocab, d]: the LM head's weight (the word embeddings when tied).
    let languageModel: PreparedLinear?

    public init(_ model: Model) {
        config = model.config
        word = model.embeddings.word.floats()
        position = model.embeddings.position.floats()
        tokenType = model.embeddings.tokenType?.floats()
        embeddingNorm = model.embeddings.norm.map(Norm.init)
        layers = model.blocks.map { b in
            let separate = [PreparedLinear(b.attention.q), PreparedLinear(b.attention.k), PreparedLinear(b.attention.v)]
            return Layer(qkv: PreparedLinear.stacked(separate).map { [$0] } ?? separate, o: PreparedLinear(b.attention.o),
                  headDim: b.attention.headDim, heads: b.attention.keptHeads.count,
                  attentionNorm: Norm(b.attentionNorm), up: PreparedLinear(b.mlp.up), down: PreparedLinear(b.mlp.down),
                  mlpNorm: Norm(b.mlpNorm))
        }
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
    }
}
