import Dispatch
import Kernels
import ModelIR

extension PreparedModel {
    /// One sample's rows of the packed batch: `offset` into [Σ n_b, ·], `count` new tokens.
    struct Segment {
        let sample: Int
        let offset: Int
        let count: Int
    }

    /// A relative position bias for one `attend` call (T5): `table` [buckets, H]; per segment the
    /// positions of its query rows and of its keys. The bias of a pair depends only on the
    /// distance key − query, so each call looks up one bucket per distance, and each head one
    /// bias per distance, before adding them row by row.
    struct RelativeBias {
        let table: [Float]
        let heads: Int
        let scheme: RelativePositions
        let bidirectional: Bool
        let queries: [[Int]]
        let keys: [[Int]]

        /// s[i·keys + j] += b[bucket(keys[j] − queries[i]), head] for one segment's scores [n, keys].
        func add(to s: UnsafeMutablePointer<Float>, segment: Int, head: Int) {
            let q = queries[segment], k = keys[segment]
            guard let qMin = q.min(), let qMax = q.max(), let kMin = k.min(), let kMax = k.max() else { return }
            let low = kMin - qMax, high = kMax - qMin
            let byDistance = (low...high).map { d in
                table[scheme.bucket(query: 0, key: d, bidirectional: bidirectional) * heads + head]
            }
            let contiguous = k.last! - k.first! == k.count - 1
            byDistance.withUnsafeBufferPointer { b in
                for (i, p) in q.enumerated() {
                    let row = s + i * k.count
                    if contiguous {
                        Elementwise.add(row, b.baseAddress! + (k[0] - p - low), count: k.count)
                    } else {
                        for (j, key) in k.enumerated() { row[j] += b[key - p - low] }
                    }
                }
            }
        }
    }

    /// Multi-head attention for every segment. `qkv` [T, d_a + 2·d_kv] holds Q | K | V side by
    /// side (d_a = h·d_h, d_kv = g·d_h; query head j reads key/value head `kvOfQuery[j]`, g = h
    /// without grouped-query attention); writes the concatenated heads
    /// C = concat_j softmax(Q_j K_{g(j)}ᵀ/√d_h) V_{g(j)} into `context` [T, d_a]. With `caches`
    /// (causal models), new K/V rows are appended first and the queries attend to all cached keys
    /// up to their own position. `positions[s]` (the rows' positions in their sample) is needed
    /// only with a sliding window W, which hides keys at positions ≤ p − W from a query at p.
    ///
    /// For each segment whose `score[s]` is true, returns the score vector of Sort (ACC-SPEC §3):
    /// SV_j = (1/H) Σ_h Σ_i P_h[i, j] over the query heads, divided by n − j for causal attention (Eq. 8).
    ///
    /// `keyBias[s]` (token merging's proportional attention) adds log s_j to every score of key j
    /// of segment s before the softmax, so a key standing for s_j tokens weighs what they weighed;
    /// a cache keeps the bias of its rows for later steps.
    ///
    /// Segments are independent, so with several BLAS threads and no observer they run in
    /// parallel, one per thread, each on single-threaded sgemms (a 128×128×32 product is too
    /// small to split well, and softmax then runs on every core too). Each segment's arithmetic is
    /// the same whichever thread runs it. A profile is kept per thread and merged as wall time
    /// (`ForwardProfile.merge(concurrent:)`), so profiled runs attend as unprofiled ones do.
    @discardableResult
    func attend(_ layer: Layer, index: Int, qkv: UnsafePointer<Float>, segments: [Segment],
                caches: [KeyValueCache]?, causal: Bool, context: UnsafeMutablePointer<Float>,
                observe: AttentionObserver?, profile: ForwardProfile?, score: [Bool]? = nil,
                keyBias: [[Float]?]? = nil, positions: [[Int]]? = nil, relative: RelativeBias? = nil) -> [[Float]?] {
        var vectors = [[Float]?](repeating: nil, count: segments.count)
        let threads = BLASThreads.count
        guard threads > 1, segments.count > 1, observe == nil else {
            for s in segments.indices {
                vectors[s] = attend(layer, index: index, qkv: qkv, segment: segments[s], cache: caches?[s], causal: causal,
                                    context: context, observe: observe, profile: profile, score: score?[s] ?? false,
                                    keyBias: keyBias?[s], positions: positions?[s], relative: relative, segmentIndex: s)
            }
            return vectors
        }
        let workers = min(threads, segments.count)
        let profiles = profile == nil ? nil : (0..<workers).map { _ in ForwardProfile() }
        defer { if let profile, let profiles { profile.merge(concurrent: profiles) } }
        nonisolated(unsafe) let qkv = qkv, context = context, caches = caches
        vectors.withUnsafeMutableBufferPointer { out in
            nonisolated(unsafe) let out = out
            BLASThreads.withCount(1) {
                DispatchQueue.concurrentPerform(iterations: workers) { t in
                    for s in stride(from: t, to: segments.count, by: workers) {
                        out[s] = attend(layer, index: index, qkv: qkv, segment: segments[s], cache: caches?[s], causal: causal,
                                        context: context, observe: nil, profile: profiles?[t], score: score?[s] ?? false,
                                        keyBias: keyBias?[s], positions: positions?[s], relative: relative, segmentIndex: s)
                    }
                }
            }
        }
        return vectors
    }

    /// One segment of `attend`: its rows of `context`, and its score vector when `scoring`.
    private func attend(_ layer: Layer, index: Int, qkv: UnsafePointer<Float>, segment: Segment, cache: KeyValueCache?,
                        causal: Bool, context: UnsafeMutablePointer<Float>, observe: AttentionObserver?,
                        profile: ForwardProfile?, score scoring: Bool, keyBias: [Float]?, positions: [Int]?,
                        relative: RelativeBias?, segmentIndex: Int) -> [Float]? {
        let da = layer.attentionWidth, dkv = layer.kvWidth, dh = layer.headDim, stride = layer.qkvWidth
        let scale = config.attentionScale ?? 1 / Float(dh).squareRoot()
        let n = segment.count
        let q = qkv + segment.offset * stride
        var past = 0
        var keyStride = stride
        var bias = keyBias
        var keyPositions = positions
        if let cache {
            past = cache.length
            cache.keys.withUnsafeMutableBufferPointer { keys in
                cache.values.withUnsafeMutableBufferPointer { values in
                    for r in 0..<n {
                        (keys.baseAddress! + (past + r) * dkv).update(from: q + r * stride + da, count: dkv)
                        (values.baseAddress! + (past + r) * dkv).update(from: q + r * stride + da + dkv, count: dkv)
                    }
                }
            }
            cache.length += n
            keyStride = dkv
            cache.logSizes += keyBias ?? [Float](repeating: 0, count: n)
            bias = cache.logSizes.contains { $0 != 0 } ? cache.logSizes : nil
            if let positions {
                cache.positions += positions
                keyPositions = cache.positions
            }
        }
        let keyCount = past + n
        let window = config.slidingWindow.flatMap { w in positions.map { (w, $0, keyPositions!) } }
        var scores = [Float](repeating: 0, count: n * keyCount)
        var observed: [Float] = []
        if observe != nil { observed.reserveCapacity(layer.heads * n * keyCount) }
        var sv = [Float](repeating: 0, count: scoring ? keyCount : 0)
        func run(_ keys: UnsafePointer<Float>, _ values: UnsafePointer<Float>) {
            scores.withUnsafeMutableBufferPointer { p in
                let p = p.baseAddress!
                for h in 0..<layer.heads {
                    let g = layer.kvOfQuery[h] * dh
                    gemm(profile, .scores, q + h * dh, keys + g, into: p, m: n, n: keyCount, k: dh,
                         transposeB: true, alpha: scale, lda: stride, ldb: keyStride, ldc: keyCount)
                    timed(profile, .softmax) {
                        if let bias { Elementwise.addBias(p, rows: n, columns: keyCount, bias: bias) }
                        relative?.add(to: p, segment: segmentIndex, head: layer.keptHeads[h])
                        if let (w, queries, keys) = window {
                            for i in 0..<n { for j in 0..<keyCount where keys[j] <= queries[i] - w { p[i * keyCount + j] = -.infinity } }
                        }
                        Softmax.rows(p, rows: n, columns: keyCount, causalOffset: causal ? past : nil)
                    }
                    if observe != nil { observed.append(contentsOf: UnsafeBufferPointer(start: p, count: n * keyCount)) }
                    if scoring {
                        timed(profile, .selection) {
                            for i in 0..<n { Elementwise.add(&sv, p + i * keyCount, count: keyCount) }
                        }
                    }
                    gemm(profile, .context, p, values + g, into: context + segment.offset * da + h * dh,
                         m: n, n: dh, k: keyCount, lda: keyCount, ldb: keyStride, ldc: da)
                }
            }
        }
        if let cache {
            cache.keys.withUnsafeBufferPointer { k in
                cache.values.withUnsafeBufferPointer { v in run(k.baseAddress!, v.baseAddress!) }
            }
        } else {
            run(q + da, q + da + dkv)
        }
        observe?(AttentionProbabilities(layer: index, sample: segment.sample, heads: layer.heads,
                                        queries: n, keys: keyCount, values: observed))
        guard scoring else { return nil }
        let heads = Float(layer.heads)
        return (0..<keyCount).map { j in sv[j] / heads / (causal ? Float(max(1, keyCount - j)) : 1) }
    }

    /// Q | K | V [rows, d_a + 2·d_kv] = x·[W_q; W_k; W_v]ᵀ + b, into `qkv` (one GEMM when the
    /// layer has them stacked, else three into column blocks); then, with rotary positions, Q and
    /// K rotated by each row's position (`positions`, flattened over the segments, in row order).
    func projectQKV(_ layer: Layer, _ x: UnsafePointer<Float>, rows: Int, into qkv: UnsafeMutablePointer<Float>,
                    positions: [Int]? = nil, scratch: Scratch, profile: ForwardProfile?) {
        var column = 0
        for linear in layer.qkv {
            linear.apply(x, rows: rows, into: qkv + column, ldy: layer.qkvWidth, scratch: scratch, profile: profile, phase: .qkv)
            column += linear.outFeatures
        }
        guard let rotary, let positions else { return }
        timed(profile, .qkv) {
            let half = layer.headDim / 2
            let cos = positions.flatMap { rotary.cos[($0 * half)..<(($0 + 1) * half)] }
            let sin = positions.flatMap { rotary.sin[($0 * half)..<(($0 + 1) * half)] }
            cos.withUnsafeBufferPointer { c in
                sin.withUnsafeBufferPointer { s in
                    // Q's h heads, then K's g heads (adjacent to Q in the row).
                    RotaryKernel.rotate(qkv, rows: rows, ldx: layer.qkvWidth, heads: layer.heads + layer.kvHeads,
                                        headDim: layer.headDim, cos: c.baseAddress!, sin: s.baseAddress!)
                }
            }
        }
    }

    /// The MLP nonlinearity of this model, as the kernels name it.
    var activation: Activations.Kind {
        switch config.activation {
        case .gelu: .gelu
        case .geluTanh: .geluTanh
        case .relu: .relu
        case .silu: .silu
        }
    }

    func normalize(_ x: UnsafeMutablePointer<Float>, rows: Int, _ norm: Norm, profile: ForwardProfile? = nil) {
        timed(profile, .norms) { normalize(x, rows: rows, norm) }
    }

    /// LayerNorm with the norm's bias, or RMSNorm when it has none (`config.norm`).
    private func normalize(_ x: UnsafeMutablePointer<Float>, rows: Int, _ norm: Norm) {
        norm.weight.withUnsafeBufferPointer { w in
            guard let bias = norm.bias else {
                RMSNormKernel.apply(x, rows: rows, d: config.hiddenSize, weight: w.baseAddress!, epsilon: config.layerNormEpsilon)
                return
            }
            bias.withUnsafeBufferPointer { b in
                LayerNormKernel.apply(x, rows: rows, d: config.hiddenSize, weight: w.baseAddress!, bias: b.baseAddress!,
                                      epsilon: config.layerNormEpsilon)
            }
        }
    }

    /// out [rows, d] = down(act(up(x) + b_up)) + b_down; the up GEMM's bias and activation are one
    /// pass over its output. A gated MLP computes [g | u] = x·[W_gate; W_up]ᵀ (one GEMM when
    /// stacked) and h = act(g) ⊙ u instead. With `accumulate`, adds the result to `out` (the
    /// residual) instead of overwriting it; `out` may be `x` itself (x is read only by the input
    /// GEMMs, before `out` is written).
    func mlp(_ layer: Layer, index: Int, _ x: UnsafePointer<Float>, rows: Int, into out: UnsafeMutablePointer<Float>,
             accumulate: Bool, scratch: Scratch, profile: ForwardProfile?, inputs: LinearInputObserver? = nil) {
        let width = layer.intermediateSize, d = config.hiddenSize
        let h = scratch.buffer(.inner, count: rows * width, of: Float.self)
        inputs?(index, .up, UnsafeBufferPointer(start: x, count: rows * d), d)
        if layer.gated {
            let gu = scratch.buffer(.gateUp, count: rows * 2 * width, of: Float.self)
            var column = 0
            for linear in layer.mlpIn {
                linear.apply(x, rows: rows, into: gu + column, ldy: 2 * width, scratch: scratch, profile: profile, phase: .up)
                column += linear.outFeatures
            }
            timed(profile, .up) { GatedActivation.apply(gu, rows: rows, width: width, activation: activation, into: h) }
        } else {
            layer.mlpIn[0].apply(x, rows: rows, into: h, activation: activation, scratch: scratch, profile: profile, phase: .up)
        }
        inputs?(index, .down, UnsafeBufferPointer(start: h, count: rows * width), width)
        layer.down.apply(h, rows: rows, into: out, accumulate: accumulate, scratch: scratch, profile: profile, phase: .down)
    }
}
