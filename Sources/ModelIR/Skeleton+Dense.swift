import TensorCore

extension ModelGraph where T == TensorSpec {
    /// The skeleton of an uncompressed checkpoint with `config`: dense weights, all heads, the
    /// standard head of the architecture (BERT pooler; a decoder's final norm and LM head, tied
    /// unless `tiedHead` is false). Linears have biases in LayerNorm models and none in RMSNorm
    /// ones (Llama; Qwen2's q/k/v biases come from the checkpoint).
    public init(dense config: ModelConfig, dtype: DType = .f32, pooler: Bool = true, tiedHead: Bool = true) {
        let d = config.hiddenSize, ff = config.intermediateSize, kv = config.kvHeadCount * config.headDim
        let inner = config.headCount * config.headDim
        let biases = config.norm == .layer
        func spec(_ dims: Int...) -> TensorSpec { TensorSpec(dtype: dtype, shape: Shape(dims)) }
        func linear(_ inF: Int, _ out: Int) -> Linear<TensorSpec> {
            Linear(inFeatures: inF, outFeatures: out, weight: .dense(spec(out, inF)), bias: biases ? spec(out) : nil)
        }
        func norm() -> LayerNorm<TensorSpec> { LayerNorm(weight: spec(d), bias: config.norm == .layer ? spec(d) : nil) }
        let blocks = (0..<config.layerCount).map { _ in
            Block(attention: Attention(q: linear(d, inner), k: linear(d, kv), v: linear(d, kv), o: linear(inner, d),
                                       headDim: config.headDim, keptHeads: Array(0..<config.headCount),
                                       queriesPerKVHead: config.queriesPerKVHead),
                  attentionNorm: norm(),
                  mlp: MLP(up: linear(d, ff), down: linear(ff, d), gate: config.mlpKind == .gated ? linear(d, ff) : nil),
                  mlpNorm: norm())
        }
        let isBERT = config.architecture == .bert
        let lm = tiedHead ? nil : Linear(inFeatures: d, outFeatures: config.vocabSize, weight: .dense(spec(config.vocabSize, d)), bias: nil)
        self.init(
            config: config,
            embeddings: Embeddings(word: spec(config.vocabSize, d), position: config.rotary == nil ? spec(config.maxPositions, d) : nil,
                                   tokenType: config.typeVocabSize > 0 ? spec(config.typeVocabSize, d) : nil,
                                   norm: isBERT ? norm() : nil),
            blocks: blocks,
            head: isBERT ? Head(pooler: pooler ? linear(d, d) : nil)
                : Head(finalNorm: norm(), languageModel: lm, tiedToEmbeddings: tiedHead))
    }
}

extension ModelConfig {
    /// all-MiniLM-L6-v2 / MiniLM-L6-H384: 6 layers, d 384, 12 heads, d_ff 1536.
    public static let miniLM = ModelConfig(
        architecture: .bert, vocabSize: 30522, hiddenSize: 384, layerCount: 6, headCount: 12,
        intermediateSize: 1536, maxPositions: 512, typeVocabSize: 2, layerNormEpsilon: 1e-12,
        activation: .gelu, normPlacement: .post, causal: false)
}
