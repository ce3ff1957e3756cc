import ModelIR
import TensorCore

/// A seeded T5-shaped encoder-decoder small enough to inspect: d = 8, H = 2 heads of d_h = 4,
/// two encoder and two decoder layers, vocab 16, RMS norms without bias, no attention scaling,
/// relative position bias (8 buckets, max distance 6) per stack. `gated` makes it Flan-T5-like
/// (gated-gelu MLP, an untied LM head); otherwise relu and the head tied to the word table with
/// T5's d^−½ logit scale. Decoder layer 1 keeps self-attention head 1 only and cross-attention
/// head 0 only (pruned shapes). `int8` stores every block linear as int8 per channel, W8A8.
enum TinyT5 {
    static let d = 8, headDim = 4, vocab = 16, ffn = 12
    static let relative = RelativePositions(buckets: 8, maxDistance: 6)

    static func model(gated: Bool = false, int8: Bool = false, seed: UInt64 = 5) -> Model {
        var rng = SplitMix64(seed: seed)
        func floats(_ shape: [Int], scale: Float = 0.3) -> Tensor {
            Tensor((0..<shape.reduce(1, *)).map { _ in rng.normal(standardDeviation: scale) }, shape: Shape(shape))
        }
        func norm() -> LayerNorm<Tensor> { LayerNorm(weight: Tensor((0..<d).map { _ in 1 + rng.normal(standardDeviation: 0.1) }, shape: [d]), bias: nil) }
        func linear(_ out: Int, _ inp: Int) -> Linear<Tensor> {
            guard int8 else { return Linear(inFeatures: inp, outFeatures: out, weight: .dense(floats([out, inp])), bias: nil) }
            let values = (0..<(out * inp)).map { _ in UInt8(truncatingIfNeeded: Int(rng.next() % 255) - 127) }
            return Linear(inFeatures: inp, outFeatures: out,
                          weight: .int8(values: Tensor(dtype: .i8, shape: [out, inp], bytes: values), scales: Tensor((0..<out).map { Float($0 % 5 + 1) / 300 }, shape: [out])),
                          bias: nil, activations: .dynamic)
        }
        func attention(_ heads: [Int]) -> Attention<Tensor> {
            let inner = heads.count * headDim
            return Attention(q: linear(inner, d), k: linear(inner, d), v: linear(inner, d), o: linear(d, inner), headDim: headDim, keptHeads: heads)
        }
        func block(_ heads: [Int] = [0, 1], cross: [Int]? = nil) -> Block<Tensor> {
            Block(attention: attention(heads), attentionNorm: norm(),
                  mlp: MLP(up: linear(ffn, d), down: linear(d, ffn), gate: gated ? linear(ffn, d) : nil), mlpNorm: norm(),
                  crossAttention: cross.map(attention), crossAttentionNorm: cross.map { _ in norm() })
        }
        let config = ModelConfig(architecture: .t5, vocabSize: vocab, hiddenSize: d, layerCount: 2, headCount: 2, intermediateSize: ffn,
                                 maxPositions: 512, typeVocabSize: 0, layerNormEpsilon: 1e-6, activation: gated ? .geluTanh : .relu,
                                 normPlacement: .pre, causal: false, norm: .rms, mlpKind: gated ? .gated : .plain,
                                 relativePositions: relative, attentionScale: 1, decoderLayerCount: 2, decoderStartTokenId: 0)
        let embeddings = Embeddings(word: floats([vocab, d]), position: nil, tokenType: nil, norm: nil, relativeBias: floats([relative.buckets, 2]))
        let encoder = [block(), block()]
        let decoder = DecoderStack(blocks: [block(cross: [0, 1]), block([1], cross: [0])], finalNorm: norm(), relativeBias: floats([relative.buckets, 2]))
        let head = gated ? Head(finalNorm: norm(), languageModel: Linear(inFeatures: d, outFeatures: vocab, weight: .dense(floats([vocab, d])), bias: nil))
            : Head(finalNorm: norm(), tiedToEmbeddings: true, logitScale: 1 / Float(d).squareRoot())
        return Model(config: config, embeddings: embeddings, blocks: encoder, head: head, decoder: decoder)
    }
}
