import Kernels

extension PreparedModel {
    /// Checks ids, type ids and lengths against the model before any compute.
    func validate(_ batch: TokenBatch) throws(RuntimeError) {
        guard batch.count > 0 else { throw .emptyBatch }
        for (b, ids) in batch.ids.enumerated() {
            guard !ids.isEmpty else { throw .emptySequence(sample: b) }
            guard ids.count <= config.maxPositions else {
                throw .sequenceTooLong(sample: b, length: ids.count, maxPositions: config.maxPositions)
            }
            if let p = ids.firstIndex(where: { $0 < 0 || $0 >= config.vocabSize }) {
                throw .tokenOutOfVocabulary(sample: b, position: p, id: ids[p], vocabularySize: config.vocabSize)
            }
            if let types = batch.typeIds?[b] {
                guard types.count == ids.count else {
                    throw .mismatchedTypeIds(sample: b, tokens: ids.count, typeIds: types.count)
                }
                if let p = types.firstIndex(where: { $0 < 0 || $0 >= max(1, config.typeVocabSize) }) {
                    throw .tokenTypeOutOfRange(sample: b, position: p, typeId: types[p],
                                               typeVocabularySize: config.typeVocabSize)
                }
            }
        }
    }

    /// x [Σ n_b, d] = word[id] + position[p] (+ tokenType[t]) for every token, p counted from
    /// `start` per sample; then the embedding LayerNorm when the model has one.
    func embed(_ batch: TokenBatch, start: Int = 0) -> [Float] {
        let d = config.hiddenSize
        var x = [Float](repeating: 0, count: batch.tokenCount * d)
        var row = 0
        for (b, ids) in batch.ids.enumerated() {
            for (p, id) in ids.enumerated() {
                for c in 0..<d { x[row * d + c] = word[id * d + c] + position[(start + p) * d + c] }
                if let tokenType {
                    let t = batch.typeIds?[b][p] ?? 0
                    for c in 0..<d { x[row * d + c] += tokenType[t * d + c] }
                }
                row += 1
            }
        }
        if let embeddingNorm { x.withUnsafeMutableBufferPointer { normalize($0.baseAddress!, rows: batch.tokenCount, embeddingNorm) } }
        return x
    }

    /// The BERT-family forward pass (post-norm): h = LN₁(x + Attn(x)W_O), out = LN₂(h + MLP(h)).
    public func encode(_ batch: TokenBatch, keepHiddenStates: Bool = false, observe: AttentionObserver? = nil,
                       profile: ForwardProfile? = nil) throws(RuntimeError) -> EncoderOutput {
        guard !config.causal else { throw .unsupported("encode(_:) runs encoders; use decode(_:) for \(config.architecture.rawValue)") }
        try validate(batch)
        let d = config.hiddenSize, rows = batch.tokenCount, offsets = batch.offsets
        let segments = (0..<batch.count).map { Segment(sample: $0, offset: offsets[$0], count: batch.ids[$0].count) }
        var x = timed(profile, .embeddings) { embed(batch) }
        var states: [[Float]] = keepHiddenStates ? [x] : []
        for (l, layer) in layers.enumerated() {
            let qkv = x.withUnsafeBufferPointer { projectQKV(layer, $0.baseAddress!, rows: rows, profile: profile) }
            var context = [Float](repeating: 0, count: rows * layer.attentionWidth)
            qkv.withUnsafeBufferPointer { qkv in
                context.withUnsafeMutableBufferPointer { c in
                    attend(layer, index: l, qkv: qkv.baseAddress!, segments: segments, caches: nil, causal: false,
                           context: c.baseAddress!, observe: observe, profile: profile)
                }
            }
            // h = LN₁(x + C·W_Oᵀ + b_O), computed in place in x.
            x.withUnsafeMutableBufferPointer { h in
                context.withUnsafeBufferPointer { c in
                    layer.o.apply(c.baseAddress!, rows: rows, into: h.baseAddress!, accumulate: true,
                                  profile: profile, phase: .output)
                }
                normalize(h.baseAddress!, rows: rows, layer.attentionNorm, profile: profile)
            }
            // out = LN₂(h + MLP(h)): the MLP's down GEMM accumulates onto a copy of h.
            var y = x
            x.withUnsafeBufferPointer { h in
                y.withUnsafeMutableBufferPointer { mlp(layer, h.baseAddress!, rows: rows, into: $0.baseAddress!, accumulate: true, profile: profile) }
            }
            x = y
            x.withUnsafeMutableBufferPointer { normalize($0.baseAddress!, rows: rows, layer.mlpNorm, profile: profile) }
            if keepHiddenStates { states.append(x) }
        }
        var pooled: [[Float]]?
        var logits: [[Float]]?
        if let pooler {
            let start = profile == nil ? nil : ContinuousClock.now
            defer { if let profile, let start { profile.add(.head, ContinuousClock.now - start) } }
            let cls = offsets.dropLast().flatMap { x[($0 * d)..<($0 * d + d)] }
            var p = [Float](repeating: 0, count: batch.count * d)
            cls.withUnsafeBufferPointer { c in p.withUnsafeMutableBufferPointer { pooler.apply(c.baseAddress!, rows: batch.count, into: $0.baseAddress!) } }
            p.withUnsafeMutableBufferPointer { Elementwise.tanh($0.baseAddress!, count: $0.count) }
            pooled = (0..<batch.count).map { Array(p[($0 * d)..<($0 * d + d)]) }
            if let classifier {
                let c = classifier.outFeatures
                var y = [Float](repeating: 0, count: batch.count * c)
                p.withUnsafeBufferPointer { p in y.withUnsafeMutableBufferPointer { classifier.apply(p.baseAddress!, rows: batch.count, into: $0.baseAddress!) } }
                logits = (0..<batch.count).map { Array(y[($0 * c)..<($0 * c + c)]) }
            }
        }
        return EncoderOutput(hiddenSize: d, lengths: batch.lengths, offsets: offsets, lastHidden: x,
                             hiddenStates: keepHiddenStates ? states : nil, pooled: pooled, logits: logits)
    }
}
