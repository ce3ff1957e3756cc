/// What a BERT-family forward pass produces for a batch, per sample without padding.
public struct EncoderOutput: Sendable {
    public let hiddenSize: Int
    public let lengths: [Int]
    let offsets: [Int]
    /// The last layer's hidden states, packed [Σ n_b, d].
    public let lastHidden: [Float]
    /// The embedding output then every layer's output (L + 1 entries, each packed [Σ n_b, d]),
    /// when requested.
    public let hiddenStates: [[Float]]?
    /// Row offsets of each entry of `hiddenStates` (they shrink with elimination).
    let stateOffsets: [[Int]]?
    /// Original positions of each sample's final rows (all of them without elimination).
    public let keptPositions: [[Int]]
    /// N_0…N_L per sample: tokens entering the first layer and leaving each layer.
    public let keptCounts: [[Int]]
    /// `merge` elimination: original tokens each final row stands for, per sample; nil when no
    /// token was merged (every row stands for itself).
    public let sizes: [[Float]]?
    /// tanh(W_p · h_CLS + b_p) per sample, when the model has a pooler.
    public let pooled: [[Float]]?
    /// Classifier logits on the pooled output, per sample, when the model has a classifier.
    public let logits: [[Float]]?

    /// h [N_L, d] of sample `b` after the last layer.
    public func hidden(sample b: Int) -> ArraySlice<Float> {
        lastHidden[(offsets[b] * hiddenSize)..<(offsets[b + 1] * hiddenSize)]
    }

    /// h [N_l, d] of sample `b` in `hiddenStates[state]` (0 = embeddings, l = after layer l).
    public func hidden(sample b: Int, state: Int) -> ArraySlice<Float> {
        let o = stateOffsets![state]
        return hiddenStates![state][(o[b] * hiddenSize)..<(o[b + 1] * hiddenSize)]
    }
}
