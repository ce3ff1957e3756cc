/// Token, position and segment embeddings, summed, then an optional LayerNorm (BERT).
public struct Embeddings<T: TensorDescribing>: Sendable {
    /// [vocab, d]
    public var word: T
    /// [maxPositions, d]
    public var position: T
    /// [typeVocab, d], BERT only.
    public var tokenType: T?
    public var norm: LayerNorm<T>?

    public init(word: T, position: T, tokenType: T?, norm: LayerNorm<T>?) {
        self.word = word
        self.position = position
        self.tokenType = tokenType
        self.norm = norm
    }

    public func map<U>(_ f: (T) throws -> U) rethrows -> Embeddings<U> {
        Embeddings<U>(word: try f(word), position: try f(position),
                      tokenType: try tokenType.map(f), norm: try norm.map { try $0.map(f) })
    }
}

/// Multi-head self-attention. q, k, v: [d] → [h·d_h]; o: [h·d_h] → [d], where h = keptHeads.count.
public struct Attention<T: TensorDescribing>: Sendable {
    public var q: Linear<T>
    public var k: Linear<T>
    public var v: Linear<T>
    public var o: Linear<T>
    /// d_h, unchanged by head pruning.
    public var headDim: Int
    /// Indices (into the original H heads) still present, ascending.
    public var keptHeads: [Int]

    public init(q: Linear<T>, k: Linear<T>, v: Linear<T>, o: Linear<T>, headDim: Int, keptHeads: [Int]) {
        self.q = q
        self.k = k
        self.v = v
        self.o = o
        self.headDim = headDim
        self.keptHeads = keptHeads
    }

    /// h·d_h, the width of Q, K, V and of W_O's input.
    public var innerSize: Int { keptHeads.count * headDim }

    public func map<U>(_ f: (T) throws -> U) rethrows -> Attention<U> {
        Attention<U>(q: try q.map(f), k: try k.map(f), v: try v.map(f), o: try o.map(f),
                     headDim: headDim, keptHeads: keptHeads)
    }
}

/// down(act(up(x))); up: [d] → [d_ff], down: [d_ff] → [d].
public struct MLP<T: TensorDescribing>: Sendable {
    public var up: Linear<T>
    public var down: Linear<T>

    public init(up: Linear<T>, down: Linear<T>) {
        self.up = up
        self.down = down
    }

    public func map<U>(_ f: (T) throws -> U) rethrows -> MLP<U> {
        MLP<U>(up: try up.map(f), down: try down.map(f))
    }
}

/// One transformer layer. With post-norm (BERT): h = LN₁(x + Attn(x)), out = LN₂(h + MLP(h)).
/// With pre-norm (GPT-2): h = x + Attn(LN₁(x)), out = h + MLP(LN₂(h)).
public struct Block<T: TensorDescribing>: Sendable {
    public var attention: Attention<T>
    public var attentionNorm: LayerNorm<T>
    public var mlp: MLP<T>
    public var mlpNorm: LayerNorm<T>

    public init(attention: Attention<T>, attentionNorm: LayerNorm<T>, mlp: MLP<T>, mlpNorm: LayerNorm<T>) {
        self.attention = attention
        self.attentionNorm = attentionNorm
        self.mlp = mlp
        self.mlpNorm = mlpNorm
    }

    public func map<U>(_ f: (T) throws -> U) rethrows -> Block<U> {
        Block<U>(attention: try attention.map(f), attentionNorm: try attentionNorm.map(f),
                 mlp: try mlp.map(f), mlpNorm: try mlpNorm.map(f))
    }
}

/// What follows the last block.
public struct Head<T: TensorDescribing>: Sendable {
    /// GPT-2 `ln_f`.
    public var finalNorm: LayerNorm<T>?
    /// BERT pooler: tanh(W·h_CLS + b), [d] → [d].
    public var pooler: Linear<T>?
    /// Sequence classifier on the pooled output, [d] → [labels].
    public var classifier: Linear<T>?
    /// Language-model head [d] → [vocab]; `tiedToEmbeddings` reuses the word embeddings.
    public var languageModel: Linear<T>?
    public var tiedToEmbeddings: Bool

    public init(finalNorm: LayerNorm<T>? = nil, pooler: Linear<T>? = nil, classifier: Linear<T>? = nil,
                languageModel: Linear<T>? = nil, tiedToEmbeddings: Bool = false) {
        self.finalNorm = finalNorm
        self.pooler = pooler
        self.classifier = classifier
        self.languageModel = languageModel
        self.tiedToEmbeddings = tiedToEmbeddings
    }

    public func map<U>(_ f: (T) throws -> U) rethrows -> Head<U> {
        Head<U>(finalNorm: try finalNorm.map { try $0.map(f) }, pooler: try pooler.map { try $0.map(f) },
                classifier: try classifier.map { try $0.map(f) },
                languageModel: try languageModel.map { try $0.map(f) }, tiedToEmbeddings: tiedToEmbeddings)
    }
}

extension Embeddings: Equatable where T: Equatable {}
extension Embeddings: Codable where T: Codable {}
extension Attention: Equatable where T: Equatable {}
extension Attention: Codable where T: Codable {}
extension MLP: Equatable where T: Equatable {}
extension MLP: Codable where T: Codable {}
extension Block: Equatable where T: Equatable {}
extension Block: Codable where T: Codable {}
extension Head: Equatable where T: Equatable {}
extension Head: Codable where T: Codable {}
