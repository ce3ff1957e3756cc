/// Architectures the IR models. Raw values are Hugging Face `model_type` strings. What differs
/// between them is data in `ModelConfig` (norm kind, position scheme, key/value heads, MLP kind),
/// which the cost model, verifier, printer and runtime read; the architecture itself only names
/// the checkpoint layout for import and export.
public enum Architecture: String, Codable, Sendable, CaseIterable {
    case bert
    case gpt2
    case llama
    case mistral
    case qwen2
    case t5
}

/// The nonlinearity between the MLP's up and down projections (of the gate, in a gated MLP).
public enum Activation: String, Codable, Sendable {
    /// x·Φ(x), the exact erf form (BERT `gelu`).
    case gelu
    /// 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) (GPT-2 `gelu_new`, `gelu_pytorch_tanh`).
    case geluTanh = "gelu-tanh"
    case relu
    /// x·σ(x) (Llama-family `silu`, the "Swish" of SwiGLU).
    case silu
}

/// Where a block's norms sit: after each residual add (BERT) or before each sub-layer (GPT-2, Llama).
public enum NormPlacement: String, Codable, Sendable {
    case post
    case pre
}

/// What a block's norms compute over the last dimension of x [d], weight w and bias b [d]:
/// - `layer`: (x − mean(x)) / √(var(x) + ε) · w + b (BERT, GPT-2);
/// - `rms`: x / √(mean(x²) + ε) · w, no mean and no bias (Llama's RMSNorm).
public enum NormKind: String, Codable, Sendable {
    case layer
    case rms
}

/// The MLP's form, with up: [d] → [d_ff] and down: [d_ff] → [d]:
/// - `plain`: down(act(up(x)));
/// - `gated`: down(act(gate(x)) ⊙ up(x)), gate: [d] → [d_ff] (SwiGLU with act = silu).
public enum MLPKind: String, Codable, Sendable {
    case plain
    case gated
}

/// Architecture hyper-parameters, normalised from a Hugging Face `config.json`.
public struct ModelConfig: Codable, Sendable, Equatable {
    public var architecture: Architecture
    public var vocabSize: Int
    /// d, the width of the residual stream.
    public var hiddenSize: Int
    public var layerCount: Int
    /// H, query heads per layer before any pruning.
    public var headCount: Int
    /// G, key/value heads per layer before any pruning: H/G query heads share one (grouped-query
    /// attention; G = 1 is multi-query). G = H is ordinary multi-head attention.
    public var kvHeadCount: Int
    /// d_ff, the MLP's inner width.
    public var intermediateSize: Int
    /// The longest sequence: the rows of the learned position table, or the `max_position_embeddings`
    /// a rotary model was configured for.
    public var maxPositions: Int
    /// Token-type (segment) vocabulary; 0 when the model has none.
    public var typeVocabSize: Int
    public var layerNormEpsilon: Float
    public var activation: Activation
    public var normPlacement: NormPlacement
    public var norm: NormKind
    public var mlpKind: MLPKind
    /// Rotary position embeddings applied to queries and keys; nil when positions are a learned
    /// table added to the embeddings (BERT, GPT-2).
    public var rotary: RotaryEmbedding?
    /// W: a query at position i sees keys at positions j with i − W < j ≤ i (Mistral's sliding
    /// window); nil sees every earlier key.
    public var slidingWindow: Int?
    /// Causal (decoder) self-attention.
    public var causal: Bool
    /// T5's relative position bias, added to every attention score; nil without one.
    public var relativePositions: RelativePositions?
    /// The factor of Q·Kᵀ before the softmax; nil is 1/√d_h (T5 folds it into W_q: 1).
    public var attentionScale: Float?
    /// Layers of an encoder-decoder's decoder stack (T5); nil for a single stack.
    public var decoderLayerCount: Int?
    /// The token an encoder-decoder's decoder starts from (T5: the pad token, 0).
    public var decoderStartTokenId: Int?

    /// d_h when it is not d / H (transformers' `head_dim`: a head-pruned Llama export keeps
    /// d_h with fewer heads, so H·d_h < d); nil when d_h = d / H.
    public var declaredHeadDim: Int?

    /// d_h, the width of one attention head: `declaredHeadDim`, else d / H.
    public var headDim: Int { declaredHeadDim ?? hiddenSize / max(headCount, 1) }
    /// H/G, the query heads that share one key/value head.
    public var queriesPerKVHead: Int { headCount / max(kvHeadCount, 1) }

    public init(
        architecture: Architecture, vocabSize: Int, hiddenSize: Int, layerCount: Int, headCount: Int,
        intermediateSize: Int, maxPositions: Int, typeVocabSize: Int, layerNormEpsilon: Float,
        activation: Activation, normPlacement: NormPlacement, causal: Bool,
        kvHeadCount: Int? = nil, norm: NormKind = .layer, mlpKind: MLPKind = .plain,
        rotary: RotaryEmbedding? = nil, slidingWindow: Int? = nil, relativePositions: RelativePositions? = nil,
        attentionScale: Float? = nil, decoderLayerCount: Int? = nil, decoderStartTokenId: Int? = nil,
        headDim: Int? = nil
    ) {
        self.architecture = architecture
        self.vocabSize = vocabSize
        self.hiddenSize = hiddenSize
        self.layerCount = layerCount
        self.headCount = headCount
        self.kvHeadCount = kvHeadCount ?? headCount
        self.intermediateSize = intermediateSize
        self.maxPositions = maxPositions
        self.typeVocabSize = typeVocabSize
        self.layerNormEpsilon = layerNormEpsilon
        self.activation = activation
        self.normPlacement = normPlacement
        self.norm = norm
        self.mlpKind = mlpKind
        self.rotary = rotary
        self.slidingWindow = slidingWindow
        self.causal = causal
        self.relativePositions = relativePositions
        self.attentionScale = attentionScale
        self.decoderLayerCount = decoderLayerCount
        self.decoderStartTokenId = decoderStartTokenId
        self.declaredHeadDim = headDim == nil || (headCount > 0 && headDim! * headCount == hiddenSize) ? nil : headDim
    }

    enum CodingKeys: String, CodingKey {
        case architecture, vocabSize, hiddenSize, layerCount, headCount, kvHeadCount, intermediateSize, maxPositions,
             typeVocabSize, layerNormEpsilon, activation, normPlacement, norm, mlpKind, rotary, slidingWindow, causal,
             relativePositions, attentionScale, decoderLayerCount, decoderStartTokenId, headDim
    }

    /// The fields added for Llama-family models are absent from artifacts written before them
    /// (and from BERT/GPT-2 artifacts now): G = H, LayerNorm, a plain MLP, learned positions.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            architecture: try c.decode(Architecture.self, forKey: .architecture), vocabSize: try c.decode(Int.self, forKey: .vocabSize),
            hiddenSize: try c.decode(Int.self, forKey: .hiddenSize), layerCount: try c.decode(Int.self, forKey: .layerCount),
            headCount: try c.decode(Int.self, forKey: .headCount), intermediateSize: try c.decode(Int.self, forKey: .intermediateSize),
            maxPositions: try c.decode(Int.self, forKey: .maxPositions), typeVocabSize: try c.decode(Int.self, forKey: .typeVocabSize),
            layerNormEpsilon: try c.decode(Float.self, forKey: .layerNormEpsilon), activation: try c.decode(Activation.self, forKey: .activation),
            normPlacement: try c.decode(NormPlacement.self, forKey: .normPlacement), causal: try c.decode(Bool.self, forKey: .causal),
            kvHeadCount: try c.decodeIfPresent(Int.self, forKey: .kvHeadCount),
            norm: try c.decodeIfPresent(NormKind.self, forKey: .norm) ?? .layer,
            mlpKind: try c.decodeIfPresent(MLPKind.self, forKey: .mlpKind) ?? .plain,
            rotary: try c.decodeIfPresent(RotaryEmbedding.self, forKey: .rotary),
            slidingWindow: try c.decodeIfPresent(Int.self, forKey: .slidingWindow),
            relativePositions: try c.decodeIfPresent(RelativePositions.self, forKey: .relativePositions),
            attentionScale: try c.decodeIfPresent(Float.self, forKey: .attentionScale),
            decoderLayerCount: try c.decodeIfPresent(Int.self, forKey: .decoderLayerCount),
            decoderStartTokenId: try c.decodeIfPresent(Int.self, forKey: .decoderStartTokenId),
            headDim: try c.decodeIfPresent(Int.self, forKey: .headDim))
    }

    /// Writes the Llama-family fields only where they differ from the defaults, so a BERT or
    /// GPT-2 artifact's bytes are what they were before those fields existed.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(architecture, forKey: .architecture)
        try c.encode(vocabSize, forKey: .vocabSize)
        try c.encode(hiddenSize, forKey: .hiddenSize)
        try c.encode(layerCount, forKey: .layerCount)
        try c.encode(headCount, forKey: .headCount)
        if kvHeadCount != headCount { try c.encode(kvHeadCount, forKey: .kvHeadCount) }
        try c.encode(intermediateSize, forKey: .intermediateSize)
        try c.encode(maxPositions, forKey: .maxPositions)
        try c.encode(typeVocabSize, forKey: .typeVocabSize)
        try c.encode(layerNormEpsilon, forKey: .layerNormEpsilon)
        try c.encode(activation, forKey: .activation)
        try c.encode(normPlacement, forKey: .normPlacement)
        if norm != .layer { try c.encode(norm, forKey: .norm) }
        if mlpKind != .plain { try c.encode(mlpKind, forKey: .mlpKind) }
        try c.encodeIfPresent(rotary, forKey: .rotary)
        try c.encodeIfPresent(slidingWindow, forKey: .slidingWindow)
        try c.encode(causal, forKey: .causal)
        try c.encodeIfPresent(relativePositions, forKey: .relativePositions)
        try c.encodeIfPresent(attentionScale, forKey: .attentionScale)
        try c.encodeIfPresent(decoderLayerCount, forKey: .decoderLayerCount)
        try c.encodeIfPresent(decoderStartTokenId, forKey: .decoderStartTokenId)
        try c.encodeIfPresent(declaredHeadDim, forKey: .headDim)
    }
}
