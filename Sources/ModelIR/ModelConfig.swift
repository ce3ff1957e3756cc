/// Architectures the IR models. Raw values are Hugging Face `model_type` strings.
public enum Architecture: String, Codable, Sendable, CaseIterable {
    case bert
    case gpt2
}

/// The nonlinearity between the MLP's up and down projections.
public enum Activation: String, Codable, Sendable {
    /// x·Φ(x), the exact erf form (BERT `gelu`).
    case gelu
    /// 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) (GPT-2 `gelu_new`, `gelu_pytorch_tanh`).
    case geluTanh = "gelu-tanh"
    case relu
}

/// Where a block's LayerNorms sit: after each residual add (BERT) or before each sub-layer (GPT-2).
public enum NormPlacement: String, Codable, Sendable {
    case post
    case pre
}

/// Architecture hyper-parameters, normalised from a Hugging Face `config.json`.
public struct ModelConfig: Codable, Sendable, Equatable {
    public var architecture: Architecture
    public var vocabSize: Int
    /// d, the width of the residual stream.
    public var hiddenSize: Int
    public var layerCount: Int
    /// H, heads per layer before any pruning.
    public var headCount: Int
    /// d_ff, the MLP's inner width.
    public var intermediateSize: Int
    public var maxPositions: Int
    /// Token-type (segment) vocabulary; 0 when the model has none.
    public var typeVocabSize: Int
    public var layerNormEpsilon: Float
    public var activation: Activation
    public var normPlacement: NormPlacement
    /// Causal (decoder) self-attention.
    public var causal: Bool

    /// d_h = d / H.
    public var headDim: Int { hiddenSize / headCount }

    public init(
        architecture: Architecture, vocabSize: Int, hiddenSize: Int, layerCount: Int, headCount: Int,
        intermediateSize: Int, maxPositions: Int, typeVocabSize: Int, layerNormEpsilon: Float,
        activation: Activation, normPlacement: NormPlacement, causal: Bool
    ) {
        self.architecture = architecture
        self.vocabSize = vocabSize
        self.hiddenSize = hiddenSize
        self.layerCount = layerCount
        self.headCount = headCount
        self.intermediateSize = intermediateSize
        self.maxPositions = maxPositions
        self.typeVocabSize = typeVocabSize
        self.layerNormEpsilon = layerNormEpsilon
        self.activation = activation
        self.normPlacement = normPlacement
        self.causal = causal
    }
}
