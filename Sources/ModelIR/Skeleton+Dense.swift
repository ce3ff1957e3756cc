import TensorCore

extension ModelGraph where T == TensorSpec {
    /// The skeleton of an uncompressed checkpoint with `config`: dense weights with biases, all
    /// heads, the standard head of the architecture (BERT pooler; GPT-2 final norm and tied LM head).
    public init(dense config: ModelConfig, dtype: DType = .f32, pooler: Bool = true) {
        let d = config.hiddenSize, ff = config.intermediateSize
        func spec(_ dims: Int...) -> TensorSpec { TensorSpec(dtype: dtype, shape: Shape(dims)) }
        func linear(_ inF: Int, _ out: Int) -> Linear<TensorSpec> {
            Linear(inFeatures: inF, outFeatures: out, weight: .dense(spec(out, inF)), bias: spec(out))
        }
        func norm() -> LayerNorm<TensorSpec> { LayerNorm(weight: spec(d), bias: spec(d)) }
        let blocks = (0..<config.layerCount).map { _ in
            Block(attention: Attention(q: linear(d, d), k: linear(d, d), v: linear(d, d), o: linear(d, d),
                                       headDim: config.headDim, keptHeads: Array(0..<config.headCount)),
                  attentionNorm: norm(), mlp: MLP(up: linear(d, ff), down: linear(ff, d)), mlpNorm: norm())
        }
        let isBERT = config.architecture == .bert
        self.init(
            config: config,
            embeddings: Embeddings(word: spec(config.vocabSize, d), position: spec(config.maxPositions, d),
                                   tokenType: config.typeVocabSize > 0 ? spec(config.typeVocabSize, d) : nil,
                                   norm: isBERT ? norm() : nil),
            blocks: blocks,
            head: isBERT ? Head(pooler: pooler ? linear(d, d) : nil)
                : Head(finalNorm: norm(), tiedToEmbeddings: true))
    }
}

extension ModelConfig {
    /// all-MiniLM-L6-v2 / MiniLM-L6-H384: 6 layers, d 384, 12 heads, d_ff 1536.
    public static let miniLM = ModelConfig(
        architecture: .bert, vocabSize: 30522, hiddenSize: 384, layerCount: 6, headCount: 12,
        intermediateSize: 1536, maxPositions: 512, typeVocabSize: 2, layerNormEpsilon: 1e-12,
        activation: .gelu, normPlacement: .post, causal: false)
}
