import Kernels

extension PreparedModel {
    /// Decoder block `l` (pre-norm; GPT-2 and the Llama family) on the packed rows x [rows, d] of
    /// `state`'s samples, in place: h = x + Attn(N₁(x))·W_Oᵀ, x ← h + MLP(N₂(h)). Attention is
    /// causal within each sample over `caches[b]` (sample b's keys and values so far, which this
    /// step extends); `start` is the position of the first new token. One step of `decode` and
    /// `generate`, and what `PreparedBlock` runs alone, so a block run by itself gives the bits it
    /// gives inside the whole model.
    func decoderLayer(_ l: Int, _ layer: Layer, x: inout [Float], rows: inout Int, state: inout EliminationState,
                      caches: [KeyValueCache], start: Int, scratch: Scratch, observe: AttentionObserver?,
                      inputs: LinearInputObserver?, profile: ForwardProfile?) {
        let d = config.hiddenSize
        var a = x
        a.withUnsafeMutableBufferPointer { normalize($0.baseAddress!, rows: rows, layer.attentionNorm, profile: profile) }
        if let inputs { a.withUnsafeBufferPointer { inputs(l, .attention, $0, d) } }
        // Positions of the rows in their samples: the tokens' original positions, which
        // elimination keeps (rotary positions and the sliding window read them).
        let positions = rotary == nil && config.slidingWindow == nil ? nil : state.positions.map { $0.map { start + $0 } }
        let qkv = scratch.buffer(.qkv, count: rows * layer.qkvWidth, of: Float.self)
        a.withUnsafeBufferPointer {
            projectQKV(layer, $0.baseAddress!, rows: rows, into: qkv, positions: positions?.flatMap { $0 }, scratch: scratch, profile: profile)
        }
        let context = scratch.buffer(.context, count: rows * layer.attentionWidth, of: Float.self)
        let scores = attend(layer, index: l, qkv: qkv, segments: state.segments, caches: caches, causal: true,
                            context: context, observe: observe, profile: profile, score: state.scoring(layer: l),
                            keyBias: state.logSizes, positions: positions)
        if let step = timed(profile, .selection, { eliminate(&state, layer: l, scores: scores, hidden: x) }) {
            timed(profile, .selection) { rows = apply(step, to: &x, context: context, layer: layer) }
        }
        if let inputs { inputs(l, .output, UnsafeBufferPointer(start: context, count: rows * layer.attentionWidth), layer.attentionWidth) }
        x.withUnsafeMutableBufferPointer { h in
            layer.o.apply(context, rows: rows, into: h.baseAddress!, accumulate: true, scratch: scratch, profile: profile, phase: .output)
        }
        a = x
        a.withUnsafeMutableBufferPointer { normalize($0.baseAddress!, rows: rows, layer.mlpNorm, profile: profile) }
        // x += MLP(N₂(x)): the down GEMM accumulates onto the residual.
        a.withUnsafeBufferPointer { m in
            x.withUnsafeMutableBufferPointer {
                mlp(layer, index: l, m.baseAddress!, rows: rows, into: $0.baseAddress!, accumulate: true, scratch: scratch,
                    profile: profile, inputs: inputs)
            }
        }
    }
}
