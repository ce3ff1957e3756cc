import ModelIR
import TensorCore

/// A seeded BERT-shaped model small enough to inspect: d = 8, two heads of 4, two layers; the
/// word (64 × 8) and position (40 × 8) tables are the only f32 initializers of ≥ 1 KiB.
/// Layer 0 keeps both heads and 12 FFN neurons; layer 1 keeps head 1 only and 8 neurons (pruned
/// shapes). `form` picks how every block linear is stored.
enum TinyBERT {
    enum Form { case dense, int8Dynamic, int8WeightOnly, lowRank, int8PerGroup }

    static let d = 8, headDim = 4, vocab = 64, positions = 40

    static func model(_ form: Form, seed: UInt64 = 7) -> Model {
        var rng = SplitMix64(seed: seed)
        func floats(_ shape: [Int], scale: Float = 0.3) -> Tensor {
            Tensor((0..<shape.reduce(1, *)).map { _ in rng.normal(standardDeviation: scale) }, shape: Shape(shape))
        }
        func norm() -> LayerNorm<Tensor> { LayerNorm(weight: floats([d], scale: 0.1), bias: floats([d], scale: 0.1)) }
        func linear(_ out: Int, _ inp: Int) -> Linear<Tensor> {
            let w = floats([out, inp])
            switch form {
            case .dense:
                return Linear(inFeatures: inp, outFeatures: out, weight: .dense(w), bias: floats([out]))
            case .lowRank:
                return Linear(inFeatures: inp, outFeatures: out, weight: .lowRank(u: floats([out, 2]), v: floats([2, inp])), bias: floats([out]))
            case .int8Dynamic, .int8WeightOnly, .int8PerGroup:
                let values = (0..<(out * inp)).map { _ in Int8(truncatingIfNeeded: Int(rng.next() % 255) - 127) }
                let groups = form == .int8PerGroup ? 2 : 1
                let scales = Tensor((0..<(out * groups)).map { Float($0 + 1) / 1000 }, shape: groups == 1 ? [out] : [out, groups])
                return Linear(inFeatures: inp, outFeatures: out,
                              weight: .int8(values: Tensor(dtype: .i8, shape: [out, inp], bytes: values.map { UInt8(bitPattern: $0) }), scales: scales),
                              bias: floats([out]), activations: form == .int8Dynamic ? .dynamic : .none)
            }
        }
        func block(heads: [Int], ffn: Int) -> Block<Tensor> {
            let inner = heads.count * headDim
            let attention = Attention(q: linear(inner, d), k: linear(inner, d), v: linear(inner, d), o: linear(d, inner),
                                      headDim: headDim, keptHeads: heads)
            return Block(attention: attention, attentionNorm: norm(), mlp: MLP(up: linear(ffn, d), down: linear(d, ffn)), mlpNorm: norm())
        }
        let config = ModelConfig(architecture: .bert, vocabSize: vocab, hiddenSize: d, layerCount: 2, headCount: 2,
                                 intermediateSize: 12, maxPositions: positions, typeVocabSize: 2, layerNormEpsilon: 1e-12,
                                 activation: .gelu, normPlacement: .post, causal: false)
        let embeddings = Embeddings(word: floats([vocab, d]), position: floats([positions, d]), tokenType: floats([2, d]), norm: norm())
        return Model(config: config, embeddings: embeddings,
                     blocks: [block(heads: [0, 1], ffn: 12), block(heads: [1], ffn: 8)], head: Head())
    }
}
