import ModelIR
import TensorCore

/// Seeded pre-norm causal LMs small enough to inspect, d = 16, H = 4 heads of d_h = 4, two
/// layers, vocab 32, 16 positions, one per optional part of the decoder block:
///
/// - `llama`: RMSNorm (no biases), rotary positions, SwiGLU, G = 2 key/value heads for H = 4,
///   a separate LM head; layer 0 keeps every head, layer 1 keeps query heads [0, 1, 3] (key/value
///   heads [0, 1], read by [0, 0, 1]: uneven groups) and 6 FFN neurons; `prunedKV` makes layer 1
///   keep [2, 3] only (one key/value head, fewer than config.json's G);
/// - `gpt2`: LayerNorm, a learned position table, gelu-tanh MLP, biases, multi-head (G = H),
///   LM head tied to the word table; layer 1 keeps heads [1, 3] and 8 FFN neurons.
///
/// `int8` stores every block linear as int8 with per-channel scales (`perGroup`: two groups
/// per row), W8A8 when `dynamic`.
enum TinyDecoder {
    enum Family { case llama, gpt2 }
    enum Weights { case dense, int8(dynamic: Bool, perGroup: Bool) }

    static let d = 16, headDim = 4, vocab = 32, positions = 16

    static func model(_ family: Family, _ weights: Weights = .dense, prunedKV: Bool = false, seed: UInt64 = 11) -> Model {
        var rng = SplitMix64(seed: seed)
        let llama = family == .llama
        func floats(_ shape: [Int], scale: Float = 0.3) -> Tensor {
            Tensor((0..<shape.reduce(1, *)).map { _ in rng.normal(standardDeviation: scale) }, shape: Shape(shape))
        }
        func norm() -> LayerNorm<Tensor> {
            LayerNorm(weight: Tensor((0..<d).map { _ in 1 + rng.normal(standardDeviation: 0.1) }, shape: [d]),
                      bias: llama ? nil : floats([d], scale: 0.1))
        }
        func linear(_ out: Int, _ inp: Int) -> Linear<Tensor> {
            let bias = llama ? nil : floats([out], scale: 0.1)
            switch weights {
            case .dense:
                return Linear(inFeatures: inp, outFeatures: out, weight: .dense(floats([out, inp])), bias: bias)
            case let .int8(dynamic, perGroup):
                let values = (0..<(out * inp)).map { _ in Int8(truncatingIfNeeded: Int(rng.next() % 255) - 127) }
                let groups = perGroup ? 2 : 1
                let scales = Tensor((0..<(out * groups)).map { Float($0 % 7 + 1) / 400 }, shape: groups == 1 ? [out] : [out, groups])
                return Linear(inFeatures: inp, outFeatures: out,
                              weight: .int8(values: Tensor(dtype: .i8, shape: [out, inp], bytes: values.map { UInt8(bitPattern: $0) }), scales: scales),
                              bias: bias, activations: dynamic ? .dynamic : .none)
            }
        }
        let perKV = llama ? 2 : 1
        func block(heads: [Int], ffn: Int) -> Block<Tensor> {
            let inner = heads.count * headDim
            var attention = Attention(q: linear(inner, d), k: linear(0, d), v: linear(0, d), o: linear(d, inner),
                                      headDim: headDim, keptHeads: heads, queriesPerKVHead: perKV)
            attention.k = linear(attention.kvSize, d)
            attention.v = linear(attention.kvSize, d)
            let mlp = MLP(up: linear(ffn, d), down: linear(d, ffn), gate: llama ? linear(ffn, d) : nil)
            return Block(attention: attention, attentionNorm: norm(), mlp: mlp, mlpNorm: norm())
        }
        let headCount = 4
        let config = ModelConfig(architecture: llama ? .llama : .gpt2, vocabSize: vocab, hiddenSize: d, layerCount: 2, headCount: headCount,
                                 intermediateSize: 12, maxPositions: positions, typeVocabSize: 0, layerNormEpsilon: 1e-5,
                                 activation: llama ? .silu : .geluTanh, normPlacement: .pre, causal: true,
                                 kvHeadCount: headCount / perKV, norm: llama ? .rms : .layer, mlpKind: llama ? .gated : .plain,
                                 rotary: llama ? RotaryEmbedding(theta: 10000) : nil, headDim: headDim)
        let embeddings = Embeddings(word: floats([vocab, d]), position: llama ? nil : floats([positions, d]), tokenType: nil, norm: nil)
        let blocks = llama
            ? [block(heads: [0, 1, 2, 3], ffn: 12), block(heads: prunedKV ? [2, 3] : [0, 1, 3], ffn: 6)]
            : [block(heads: [0, 1, 2, 3], ffn: 12), block(heads: [1, 3], ffn: 8)]
        let head = llama ? Head(finalNorm: norm(), languageModel: Linear(inFeatures: d, outFeatures: vocab, weight: .dense(floats([vocab, d])), bias: nil))
            : Head(finalNorm: norm(), tiedToEmbeddings: true)
        return Model(config: config, embeddings: embeddings, blocks: blocks, head: head)
    }
}
