import Foundation
import Kernels

extension PreparedModel {
    /// An encoder-decoder's decoding state for one input: the encoder output's keys and values
    /// per decoder layer (computed once), and each layer's self-attention cache.
    final class Seq2SeqState {
        /// [n, d_a] keys and values of the encoder output, per decoder layer.
        let crossKeys: [[Float]]
        let crossValues: [[Float]]
        let encoderLength: Int
        /// log s_j of each encoder row that token merging made stand for s_j tokens; nil unmerged.
        let crossLogSizes: [Float]?
        let caches: [KeyValueCache]
        var position = 0

        init(crossKeys: [[Float]], crossValues: [[Float]], encoderLength: Int, crossLogSizes: [Float]?, caches: [KeyValueCache]) {
            self.crossKeys = crossKeys
            self.crossValues = crossValues
            self.encoderLength = encoderLength
            self.crossLogSizes = crossLogSizes
            self.caches = caches
        }
    }

    /// Runs the encoder on `input` (one sample, elimination applied when given) and prepares the
    /// decoder for up to `capacity` tokens: K = E·W_kᵀ and V = E·W_vᵀ of every decoder layer's
    /// cross-attention over the encoder output E.
    func startDecoding(_ input: [Int], capacity: Int, elimination: Elimination?) throws(RuntimeError) -> Seq2SeqState {
        guard let decoder else { throw .unsupported("\(config.architecture.rawValue) has no decoder stack; use encode(_:) or decode(_:)") }
        guard languageModel != nil else { throw .unsupported("the decoder stack has no language-model head to turn its output into tokens") }
        let encoded = try encode(TokenBatch(ids: [input]), elimination: elimination)
        let n = encoded.lengths[0]
        var keys: [[Float]] = [], values: [[Float]] = []
        let scratch = Scratch()
        for layer in decoder.layers {
            guard let cross = layer.cross else { throw .unsupported("a decoder block without cross-attention") }
            let width = cross.heads * cross.headDim
            var kv = [Float](repeating: 0, count: n * 2 * width)
            encoded.lastHidden.withUnsafeBufferPointer { e in
                kv.withUnsafeMutableBufferPointer { out in
                    var column = 0
                    for linear in cross.kv {
                        linear.apply(e.baseAddress!, rows: n, into: out.baseAddress! + column, ldy: 2 * width, scratch: scratch)
                        column += linear.outFeatures
                    }
                }
            }
            keys.append((0..<n).flatMap { r in kv[(r * 2 * width)..<(r * 2 * width + width)] })
            values.append((0..<n).flatMap { r in kv[(r * 2 * width + width)..<((r + 1) * 2 * width)] })
        }
        let logSizes = encoded.sizes?[0].map { logf($0) }
        return Seq2SeqState(crossKeys: keys, crossValues: values, encoderLength: n,
                            crossLogSizes: logSizes.flatMap { $0.contains { $0 != 0 } ? $0 : nil },
                            caches: decoder.layers.map { KeyValueCache(capacity: capacity, width: $0.kvWidth) })
    }

    /// One decoder step: `token` at the state's next position through every decoder layer
    /// (self-attention over the cache with the unidirectional relative bias, cross-attention over
    /// the encoder output, MLP; all pre-norm), the final norm, T5's logit scale, the LM head.
    /// Returns the next-token logits [vocab].
    func decoderStep(_ token: Int, _ state: Seq2SeqState) -> [Float] {
        let decoder = decoder!, t = state.position
        var x = word.row(token)
        let scratch = Scratch()
        let relative = decoder.relativeBias.flatMap { table in
            config.relativePositions.map { rp in
                RelativeBias(table: table, heads: config.headCount, scheme: rp, bidirectional: false, queries: [[t]], keys: [Array(0...t)])
            }
        }
        for (l, layer) in decoder.layers.enumerated() {
            var a = x
            a.withUnsafeMutableBufferPointer { normalize($0.baseAddress!, rows: 1, layer.attentionNorm) }
            let qkv = scratch.buffer(.qkv, count: layer.qkvWidth, of: Float.self)
            a.withUnsafeBufferPointer { projectQKV(layer, $0.baseAddress!, rows: 1, into: qkv, scratch: scratch, profile: nil) }
            let context = scratch.buffer(.context, count: layer.attentionWidth, of: Float.self)
            attend(layer, index: l, qkv: qkv, segments: [Segment(sample: 0, offset: 0, count: 1)], caches: [state.caches[l]], causal: true,
                   context: context, observe: nil, profile: nil, relative: relative)
            x.withUnsafeMutableBufferPointer { layer.o.apply(context, rows: 1, into: $0.baseAddress!, accumulate: true, scratch: scratch) }
            crossAttend(layer.cross!, keys: state.crossKeys[l], values: state.crossValues[l], count: state.encoderLength,
                        logSizes: state.crossLogSizes, x: &x, scratch: scratch)
            var m = x
            m.withUnsafeMutableBufferPointer { normalize($0.baseAddress!, rows: 1, layer.mlpNorm) }
            m.withUnsafeBufferPointer { m in
                x.withUnsafeMutableBufferPointer {
                    mlp(layer, index: l, m.baseAddress!, rows: 1, into: $0.baseAddress!, accumulate: true, scratch: scratch, profile: nil)
                }
            }
        }
        state.position += 1
        x.withUnsafeMutableBufferPointer { normalize($0.baseAddress!, rows: 1, decoder.finalNorm) }
        if let logitScale { for i in x.indices { x[i] *= logitScale } }
        var logits = [Float](repeating: 0, count: config.vocabSize)
        x.withUnsafeBufferPointer { h in logits.withUnsafeMutableBufferPointer { languageModel!.apply(h.baseAddress!, rows: 1, into: $0.baseAddress!) } }
        return logits
    }

    /// x += W_O · concat_h softmax(s·q_h K_hᵀ + log sizes) V_h with q = W_q·N_c(x) for one decoder
    /// row; K, V [count, d_a] from the encoder output; every encoder row is visible; no position
    /// bias. An encoder row merged from s_j tokens gets log s_j (proportional attention, as in
    /// the encoder's own layers).
    private func crossAttend(_ cross: CrossAttention, keys: [Float], values: [Float], count n: Int, logSizes: [Float]?,
                             x: inout [Float], scratch: Scratch) {
        let dh = cross.headDim, width = cross.heads * dh
        let scale = config.attentionScale ?? 1 / Float(dh).squareRoot()
        var a = x
        a.withUnsafeMutableBufferPointer { normalize($0.baseAddress!, rows: 1, cross.norm) }
        var q = [Float](repeating: 0, count: width), context = [Float](repeating: 0, count: width)
        var scores = [Float](repeating: 0, count: n)
        a.withUnsafeBufferPointer { a in q.withUnsafeMutableBufferPointer { cross.q.apply(a.baseAddress!, rows: 1, into: $0.baseAddress!, scratch: scratch) } }
        q.withUnsafeBufferPointer { q in
            keys.withUnsafeBufferPointer { k in
                values.withUnsafeBufferPointer { v in
                    scores.withUnsafeMutableBufferPointer { p in
                        context.withUnsafeMutableBufferPointer { c in
                            for h in 0..<cross.heads {
                                GEMM.multiply(q.baseAddress! + h * dh, k.baseAddress! + h * dh, into: p.baseAddress!, m: 1, n: n, k: dh,
                                              transposeB: true, alpha: scale, lda: width, ldb: width, ldc: n)
                                if let logSizes { Elementwise.add(p.baseAddress!, logSizes, count: n) }
                                Softmax.rows(p.baseAddress!, rows: 1, columns: n)
                                GEMM.multiply(p.baseAddress!, v.baseAddress! + h * dh, into: c.baseAddress! + h * dh, m: 1, n: dh, k: n,
                                              lda: n, ldb: width, ldc: width)
                            }
                        }
                    }
                }
            }
        }
        context.withUnsafeBufferPointer { c in x.withUnsafeMutableBufferPointer { cross.o.apply(c.baseAddress!, rows: 1, into: $0.baseAddress!, accumulate: true, scratch: scratch) } }
    }

    /// An encoder-decoder's greedy generation: the encoder runs once on `input` (with
    /// `elimination`, eliminating encoder tokens layer by layer, so every decoder step's
    /// cross-attention reads only the surviving rows), then the decoder starts from
    /// `decoderStartTokenId` and takes the argmax `count` times. With `avoiding`, that token (the
    /// end of sequence) is never chosen, as transformers' `min_new_tokens` does.
    public func generate(input: [Int], count: Int, avoiding: Int? = nil, elimination: Elimination? = nil) throws(RuntimeError) -> [Int] {
        let state = try startDecoding(input, capacity: count + 1, elimination: elimination)
        var token = config.decoderStartTokenId ?? 0, generated: [Int] = []
        for _ in 0..<count {
            var logits = decoderStep(token, state)
            if let avoiding, logits.indices.contains(avoiding) { logits[avoiding] = -.infinity }
            token = Self.argmax(logits)
            generated.append(token)
        }
        return generated
    }

    /// The decoder's logits for its first step (from `decoderStartTokenId`) on `input`.
    public func firstStepLogits(input: [Int], elimination: Elimination? = nil) throws(RuntimeError) -> [Float] {
        let state = try startDecoding(input, capacity: 1, elimination: elimination)
        return decoderStep(config.decoderStartTokenId ?? 0, state)
    }
}
