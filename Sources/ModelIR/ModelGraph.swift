import TensorCore

/// A model with weights.
public typealias Model = ModelGraph<Tensor>
/// The same model without weights: dtypes, shapes, forms, ranks, kept heads. The cost model,
/// `pare plan` and each pass's `effect` work on it.
public typealias Skeleton = ModelGraph<TensorSpec>

/// The IR: embeddings, blocks and head of a transformer, generic over what a tensor is.
public struct ModelGraph<T: TensorDescribing>: Sendable {
    public var config: ModelConfig
    public var embeddings: Embeddings<T>
    public var blocks: [Block<T>]
    public var head: Head<T>
    /// An encoder-decoder's decoder (T5); nil for a single stack.
    public var decoder: DecoderStack<T>?
    /// The token-elimination profile measured on calibration data (ACC-SPEC), when baked in.
    /// Data, not structure: it changes no shape and no FLOP of the full model.
    public var elimination: EliminationProfile?

    public init(config: ModelConfig, embeddings: Embeddings<T>, blocks: [Block<T>], head: Head<T>,
                decoder: DecoderStack<T>? = nil, elimination: EliminationProfile? = nil) {
        self.config = config
        self.embeddings = embeddings
        self.blocks = blocks
        self.head = head
        self.decoder = decoder
        self.elimination = elimination
    }

    public func map<U>(_ f: (T) throws -> U) rethrows -> ModelGraph<U> {
        ModelGraph<U>(config: config, embeddings: try embeddings.map(f),
                      blocks: try blocks.map { try $0.map(f) }, head: try head.map(f),
                      decoder: try decoder.map { try $0.map(f) }, elimination: elimination)
    }

    /// The weightless view of this graph.
    public var skeleton: Skeleton { map(\.spec) }
}

extension ModelGraph: Equatable where T: Equatable {}
extension ModelGraph: Codable where T: Codable {}
