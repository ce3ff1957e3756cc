import Kernels

extension PreparedModel {
    /// Greedy continuation of `prompts` (all of one length) as one batch: one prefill over all
    /// prompts, then `count − 1` steps that each run one new token per sample through the
    /// key/value caches. `onStep(i)` runs when the i-th new token of every sample is chosen
    /// (i = 0 right after prefill), so a benchmark can time prefill and each decode step.
    /// Returns `count` new ids per prompt; sample b's equal `generate(prompt: prompts[b], count:)`'s.
    public func generate(prompts: [[Int]], count: Int, elimination: Elimination? = nil,
                         onStep: (Int) -> Void = { _ in }) throws(RuntimeError) -> [[Int]] {
        guard config.causal else { throw .unsupported("generate(prompts:count:) needs a causal language model") }
        guard let length = prompts.first?.count, prompts.allSatisfy({ $0.count == length }) else {
            throw .unsupported("generate(prompts:count:) runs prompts of one length; pad or split the batch")
        }
        try validate(TokenBatch(ids: prompts))
        try validate(elimination)
        guard length + count <= config.maxPositions else {
            throw .sequenceTooLong(sample: 0, length: length + count, maxPositions: config.maxPositions)
        }
        guard count > 0 else { return prompts.map { _ in [] } }
        let caches = layers.map { layer in prompts.map { _ in KeyValueCache(capacity: length + count, width: layer.kvWidth) } }
        var generated: [[Int]] = prompts.map { _ in [] }
        var logits = step(TokenBatch(ids: prompts), caches: caches, elimination: elimination, observe: nil).nextTokenLogits
        for i in 0..<count {
            for b in prompts.indices { generated[b].append(Self.argmax(logits[b])) }
            onStep(i)
            if i + 1 == count { break }
            logits = step(TokenBatch(ids: generated.map { [$0.last!] }), caches: caches, start: length + i, observe: nil).nextTokenLogits
        }
        return generated
    }

    /// Weight bytes one decode step reads: every linear of every block and the LM head, each
    /// once, in the form it runs (f32 4 bytes, bf16/f16 2, int8 1 plus its f32 scales); the
    /// word embeddings contribute one row per token, left out.
    public var decodeWeightBytes: Int {
        let blocks = (layers + (decoder?.layers ?? [])).reduce(0) { sum, layer in
            sum + (layer.qkv + [layer.o] + layer.mlpIn + [layer.down]).reduce(0) { $0 + $1.weightBytes }
                + (layer.cross.map { c in ([c.q, c.o] + c.kv).reduce(0) { $0 + $1.weightBytes } } ?? 0)
        }
        return blocks + (languageModel?.weightBytes ?? 0)
    }
}

extension PreparedLinear {
    /// Bytes of the weight as it runs (bias excluded).
    var weightBytes: Int {
        switch form {
        case let .dense(w): 4 * w.count
        case let .lowRank(u, v, _): 4 * (u.count + v.count)
        case let .int8(w): w.weightBytes
        case let .lowRankInt8(u, v): u.weightBytes + v.weightBytes
        case let .half(w): w.tensor.byteCount
        }
    }
}

extension QuantizedWeight {
    /// Q (1 byte each) and the f32 scales.
    var weightBytes: Int { values.count + 4 * scales.count }
}
