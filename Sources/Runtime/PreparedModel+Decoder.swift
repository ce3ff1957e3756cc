import Kernels

/// What a causal (GPT-2) forward pass produces for a batch.
public struct DecoderOutput: Sendable {
    public let hiddenSize: Int
    public let lengths: [Int]
    let offsets: [Int]
    /// Final hidden states after the last LayerNorm, packed [Σ n_b, d].
    public let lastHidden: [Float]
    /// Next-token logits at each sample's last position, [vocab] per sample.
    public let nextTokenLogits: [[Float]]
    /// N_0…N_L per sample (all equal to the prompt length without elimination).
    public let keptCounts: [[Int]]

    public func hidden(sample b: Int) -> ArraySlice<Float> {
        lastHidden[(offsets[b] * hiddenSize)..<(offsets[b + 1] * hiddenSize)]
    }
}

extension PreparedModel {
    /// The decoder forward pass (pre-norm; GPT-2 and the Llama family): h = x + Attn(N₁(x))·W_O,
    /// out = h + MLP(N₂(h)), then the final norm; causal attention within each sample, with the
    /// model's position scheme, key/value heads and sliding window.
    public func decode(_ batch: TokenBatch, elimination: Elimination? = nil, observe: AttentionObserver? = nil,
                       inputs: LinearInputObserver? = nil, profile: ForwardProfile? = nil) throws(RuntimeError) -> DecoderOutput {
        guard config.causal else { throw .unsupported("decode(_:) runs causal models; use encode(_:) for \(config.architecture.rawValue)") }
        try validate(batch)
        try validate(elimination)
        let caches = layers.map { layer in
            batch.ids.map { KeyValueCache(capacity: $0.count, width: layer.kvWidth) }
        }
        return step(batch, caches: caches, elimination: elimination, observe: observe, inputs: inputs, profile: profile)
    }

    /// Greedy continuation: the prompt is run once (prefill) filling a key/value cache per layer,
    /// then each new token attends to the cache. Returns the `count` new token ids. With
    /// `elimination`, the prompt's word-vectors are eliminated during prefill (the last one is
    /// protected) and later layers cache only the kept ones; generated tokens are never eliminated.
    public func generate(prompt: [Int], count: Int, elimination: Elimination? = nil) throws(RuntimeError) -> [Int] {
        guard config.causal else { throw .unsupported("generate(prompt:count:) needs a causal language model") }
        try validate(TokenBatch(ids: [prompt]))
        try validate(elimination)
        guard prompt.count + count <= config.maxPositions else {
            throw .sequenceTooLong(sample: 0, length: prompt.count + count, maxPositions: config.maxPositions)
        }
        let capacity = prompt.count + count
        let caches = layers.map { [KeyValueCache(capacity: capacity, width: $0.kvWidth)] }
        var generated: [Int] = []
        var next = step(TokenBatch(ids: [prompt]), caches: caches, elimination: elimination, observe: nil).nextTokenLogits[0]
        for _ in 0..<count {
            let token = Self.argmax(next)
            generated.append(token)
            if generated.count == count { break }
            next = step(TokenBatch(ids: [[token]]), caches: caches, start: prompt.count + generated.count - 1,
                        observe: nil).nextTokenLogits[0]
        }
        return generated
    }

    /// Runs new tokens through every layer; `caches[l][b]` holds layer l's keys and values of
    /// sample b so far, `start` is the position of the first new token.
    func step(_ batch: TokenBatch, caches: [[KeyValueCache]], start: Int = 0, elimination: Elimination? = nil,
              observe: AttentionObserver?, inputs: LinearInputObserver? = nil, profile: ForwardProfile? = nil) -> DecoderOutput {
        let d = config.hiddenSize
        var rows = batch.tokenCount
        var state = EliminationState(batch, elimination: elimination, protection: .last)
        var x = timed(profile, .embeddings) { embed(batch, start: start) }
        let scratch = Scratch(denseGEMV: true)
        for (l, layer) in layers.enumerated() {
            decoderLayer(l, layer, x: &x, rows: &rows, state: &state, caches: caches[l], start: start, scratch: scratch,
                         observe: observe, inputs: inputs, profile: profile)
        }
        if let finalNorm { x.withUnsafeMutableBufferPointer { normalize($0.baseAddress!, rows: rows, finalNorm, profile: profile) } }
        let offsets = state.offsets
        var logits: [[Float]] = []
        if let languageModel {
            let last = offsets.dropFirst().flatMap { x[(($0 - 1) * d)..<($0 * d)] }
            var y = [Float](repeating: 0, count: batch.count * config.vocabSize)
            last.withUnsafeBufferPointer { p in
                y.withUnsafeMutableBufferPointer { languageModel.apply(p.baseAddress!, rows: batch.count, into: $0.baseAddress!, scratch: scratch) }
            }
            logits = (0..<batch.count).map { Array(y[($0 * config.vocabSize)..<(($0 + 1) * config.vocabSize)]) }
        }
        return DecoderOutput(hiddenSize: d, lengths: state.segments.map(\.count), offsets: offsets, lastHidden: x,
                             nextTokenLogits: logits, keptCounts: state.history)
    }

    /// The index of the largest value; the lowest index wins ties (as torch.argmax).
    public static func argmax(_ v: [Float]) -> Int {
        var best = 0
        for i in v.indices where v[i] > v[best] { best = i }
        return best
    }
}
