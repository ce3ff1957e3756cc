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

    func validate(_ elimination: Elimination?) throws(RuntimeError) {
        guard let elimination else { return }
        guard elimination.profile.layerCount == layers.count else {
            throw .unsupported("the elimination profile has \(elimination.profile.layerCount) layers but the model has \(layers.count); recompile the artifact")
        }
        guard elimination.lambda > 0, elimination.lambda.isFinite else {
            throw .unsupported("λ = \(elimination.lambda) is invalid; choose λ > 0 (λ ≥ \(elimination.profile.identityLambda) keeps every token)")
        }
    }

    /// x [Σ n_b, d] = word[id] (+ position[p]) (+ tokenType[t]) for every token, p counted from
    /// `start` per sample (no position table with rotary positions); then the embedding
    /// LayerNorm when the model has one.
    func embed(_ batch: TokenBatch, start: Int = 0) -> [Float] {
        let d = config.hiddenSize, rows = batch.tokenCount
        let ids = batch.ids.flatMap { $0 }
        let positions = batch.ids.flatMap { (start..<(start + $0.count)).map { $0 } }
        let types = batch.typeIds?.flatMap { $0 } ?? [Int](repeating: 0, count: rows)
        // (table, indices) pairs; the arrays outlive the gather below.
        let tables: [([Float], [Int])] = [word.lookup(ids)] + (position.map { [($0, positions)] } ?? [])
            + (tokenType.map { [($0, types)] } ?? [])
        var x = [Float](repeating: 0, count: rows * d)
        x.withUnsafeMutableBufferPointer { out in
            func gather(_ i: Int, _ pointers: [(UnsafePointer<Float>, UnsafePointer<Int>)]) {
                guard i < tables.count else {
                    EmbeddingKernel.gather(tables: pointers, rows: rows, d: d, into: out.baseAddress!)
                    return
                }
                tables[i].0.withUnsafeBufferPointer { t in
                    tables[i].1.withUnsafeBufferPointer { ix in gather(i + 1, pointers + [(t.baseAddress!, ix.baseAddress!)]) }
                }
            }
            gather(0, [])
        }
        if let embeddingNorm { x.withUnsafeMutableBufferPointer { normalize($0.baseAddress!, rows: rows, embeddingNorm) } }
        return x
    }

    /// The encoder forward pass. Post-norm (BERT): h = LN₁(x + C·W_Oᵀ), out = LN₂(h + MLP(h));
    /// pre-norm (T5's encoder): h = x + C(N₁(x))·W_Oᵀ, out = h + MLP(N₂(h)), then the final norm.
    /// C is the concatenated attention heads, with T5's relative position bias when the model has
    /// one. With `elimination`, each layer keeps N_l rows per sample between C and W_O ([CLS] or
    /// the first token protected); the kept rows keep their original positions.
    public func encode(_ batch: TokenBatch, elimination: Elimination? = nil, keepHiddenStates: Bool = false,
                       observe: AttentionObserver? = nil, inputs: LinearInputObserver? = nil,
                       profile: ForwardProfile? = nil) throws(RuntimeError) -> EncoderOutput {
        guard !config.causal else { throw .unsupported("encode(_:) runs encoders; use decode(_:) for \(config.architecture.rawValue)") }
        try validate(batch)
        try validate(elimination)
        let d = config.hiddenSize
        var rows = batch.tokenCount
        var state = EliminationState(batch, elimination: elimination, protection: .first)
        var x = timed(profile, .embeddings) { embed(batch) }
        var states: [[Float]] = keepHiddenStates ? [x] : []
        var stateOffsets: [[Int]] = keepHiddenStates ? [state.offsets] : []
        let scratch = Scratch()
        for (l, layer) in layers.enumerated() {
            encoderLayer(l, layer, x: &x, rows: &rows, state: &state, scratch: scratch, observe: observe, inputs: inputs, profile: profile)
            if keepHiddenStates {
                states.append(x)
                stateOffsets.append(state.offsets)
            }
        }
        if let finalNorm { x.withUnsafeMutableBufferPointer { normalize($0.baseAddress!, rows: rows, finalNorm, profile: profile) } }
        var pooled: [[Float]]?
        var logits: [[Float]]?
        if let pooler {
            let start = profile == nil ? nil : ContinuousClock.now
            defer { if let profile, let start { profile.add(.head, ContinuousClock.now - start) } }
            // [CLS] is protected, so it is each sample's first remaining row.
            let cls = state.offsets.dropLast().flatMap { x[($0 * d)..<($0 * d + d)] }
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
        return EncoderOutput(hiddenSize: d, lengths: state.segments.map(\.count), offsets: state.offsets, lastHidden: x,
                             hiddenStates: keepHiddenStates ? states : nil, stateOffsets: keepHiddenStates ? stateOffsets : nil,
                             keptPositions: state.positions, keptCounts: state.history, sizes: state.mergedSizes,
                             pooled: pooled, logits: logits)
    }

    /// Encoder block `l` on the packed rows x [rows, d] of `state`'s samples, in place (post-norm:
    /// x ← LN₂(h + MLP(h)), h = LN₁(x + C·W_Oᵀ); pre-norm: h = x + C(N₁(x))·W_Oᵀ, x ← h + MLP(N₂(h))),
    /// eliminating rows when `state` asks. One step of `encode`, and what `PreparedBlock` runs
    /// alone, so a block run by itself gives the bits it gives inside the whole model.
    func encoderLayer(_ l: Int, _ layer: Layer, x: inout [Float], rows: inout Int, state: inout EliminationState, scratch: Scratch,
                      observe: AttentionObserver?, inputs: LinearInputObserver?, profile: ForwardProfile?) {
        let d = config.hiddenSize, preNorm = config.normPlacement == .pre
        // The attention's input: x itself (post-norm), or N₁(x) (pre-norm).
        var normalized: [Float] = []
        if preNorm {
            normalized = x
            normalized.withUnsafeMutableBufferPointer { normalize($0.baseAddress!, rows: rows, layer.attentionNorm, profile: profile) }
        }
        let input = preNorm ? normalized : x
        if let inputs { input.withUnsafeBufferPointer { inputs(l, .attention, $0, d) } }
        let qkv = scratch.buffer(.qkv, count: rows * layer.qkvWidth, of: Float.self)
        input.withUnsafeBufferPointer {
            projectQKV(layer, $0.baseAddress!, rows: rows, into: qkv, positions: rotary == nil ? nil : state.positions.flatMap { $0 },
                       scratch: scratch, profile: profile)
        }
        let context = scratch.buffer(.context, count: rows * layer.attentionWidth, of: Float.self)
        let scores = attend(layer, index: l, qkv: qkv, segments: state.segments, caches: nil, causal: false,
                            context: context, observe: observe, profile: profile, score: state.scoring(layer: l),
                            keyBias: state.logSizes, relative: relativeBias(state.positions))
        if let step = timed(profile, .selection, { eliminate(&state, layer: l, scores: scores, hidden: x) }) {
            timed(profile, .selection) { rows = apply(step, to: &x, context: context, layer: layer) }
        }
        if let inputs { inputs(l, .output, UnsafeBufferPointer(start: context, count: rows * layer.attentionWidth), layer.attentionWidth) }
        // x + C·W_Oᵀ + b_O in place in x, then LN₁ when post-norm.
        x.withUnsafeMutableBufferPointer { h in
            layer.o.apply(context, rows: rows, into: h.baseAddress!, accumulate: true, scratch: scratch,
                          profile: profile, phase: .output)
            if !preNorm { normalize(h.baseAddress!, rows: rows, layer.attentionNorm, profile: profile) }
        }
        if preNorm {
            // out = h + MLP(N₂(h)): the down GEMM accumulates onto h.
            var m = x
            m.withUnsafeMutableBufferPointer { normalize($0.baseAddress!, rows: rows, layer.mlpNorm, profile: profile) }
            m.withUnsafeBufferPointer { m in
                x.withUnsafeMutableBufferPointer {
                    mlp(layer, index: l, m.baseAddress!, rows: rows, into: $0.baseAddress!, accumulate: true, scratch: scratch,
                        profile: profile, inputs: inputs)
                }
            }
        } else {
            // out = LN₂(h + MLP(h)): the MLP's down GEMM accumulates onto h in place.
            x.withUnsafeMutableBufferPointer { h in
                mlp(layer, index: l, h.baseAddress!, rows: rows, into: h.baseAddress!, accumulate: true, scratch: scratch,
                    profile: profile, inputs: inputs)
            }
            x.withUnsafeMutableBufferPointer { normalize($0.baseAddress!, rows: rows, layer.mlpNorm, profile: profile) }
        }
    }

    /// The encoder's relative position bias for rows at `positions` (per sample), bidirectional;
    /// nil for a model without one.
    func relativeBias(_ positions: [[Int]]) -> RelativeBias? {
        guard let table = relativeBias, let rp = config.relativePositions else { return nil }
        return RelativeBias(table: table, heads: config.headCount, scheme: rp, bidirectional: true, queries: positions, keys: positions)
    }

    /// Layer l's Eliminate step for `state`, matching tokens on the rows of `hidden` [T, d] (the
    /// residual stream at the elimination point) when merging.
    func eliminate(_ state: inout EliminationState, layer l: Int, scores: [[Float]?], hidden: [Float]) -> EliminationState.Step? {
        let d = config.hiddenSize, segments = state.segments
        return hidden.withUnsafeBufferPointer { x in
            state.eliminate(layer: l, scores: scores) { s in
                TokenMerging.Rows(base: x.baseAddress! + segments[s].offset * d, stride: d, width: d)
            }
        }
    }

    /// Layer `layer`'s Eliminate on the residual stream x [T, d] and the context [T, d_a]: merged
    /// rows averaged (`merge`, `mlerp` modes), then the kept rows moved to the front. Returns the new T.
    func apply(_ step: EliminationState.Step, to x: inout [Float], context: UnsafeMutablePointer<Float>, layer: Layer) -> Int {
        let d = config.hiddenSize
        x.withUnsafeMutableBufferPointer { x in
            if let groups = step.groups, let sizes = step.sizes {
                TokenMerging.average(x.baseAddress!, width: d, groups: groups, sizes: sizes, preservingNorm: step.preservingNorm)
                TokenMerging.average(context, width: layer.attentionWidth, groups: groups, sizes: sizes,
                                     preservingNorm: step.preservingNorm)
            }
            Self.compact(x.baseAddress!, rows: step.rows, width: d)
        }
        x.removeSubrange((step.rows.count * d)...)
        Self.compact(context, rows: step.rows, width: layer.attentionWidth)
        return step.rows.count
    }

    /// Moves rows `rows` (ascending, as elimination keeps them) of a packed [·, width] matrix to
    /// its first rows.count rows, in place: row r comes from row rows[r] ≥ r, so nothing is
    /// overwritten before it is read.
    static func compact(_ x: UnsafeMutablePointer<Float>, rows: [Int], width: Int) {
        for (r, row) in rows.enumerated() where row != r {
            precondition(row > r, "compact needs ascending rows")
            (x + r * width).update(from: x + row * width, count: width)
        }
    }
}
