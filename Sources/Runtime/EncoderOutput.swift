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
    /// tanh(W_p · h_CLS + b_p) per sample, when the model has a pooler.
    public let pooled: [[Float]]?
    /// Classifier logits on the pooled output, per sample, when the model has a classifier.
    public let logits: [[Float]]?

    /// h [n_b, d] of sample `b` in `states` (default: the last layer).
    public func hidden(sample b: Int, in states: [Float]? = nil) -> ArraySlice<Float> {
        (states ?? lastHidden)[(offsets[b] * hiddenSize)..<(offsets[b + 1] * hiddenSize)]
    }
}
