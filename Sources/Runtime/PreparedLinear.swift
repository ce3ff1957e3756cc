import Kernels
import ModelIR
import TensorCore

/// A Linear ready to run. y [rows, out] = x [rows, in] · Wᵀ + b, written with row stride `ldy`
/// (≥ out) so that a linear can fill a column block of a wider buffer.
///
/// The form follows what the artifact recorded (`Linear.activations`): int8 weights with
/// `dynamic` activations run int8 GEMMs on per-token-quantized inputs (`QuantizedWeight`);
/// int8 weights with `none` (weight-only) are widened to f32 once here, which runs at sgemm's
/// rate rather than paying a dequantization per call. Sparse weights run dense (their zeros are
/// stored): no sparse kernel is faster at these sparsities. Dense bf16 and f16 weights stay as
/// stored (`HalfWeight`: no f32 copy) and run from their 16 bits. Up to
/// `DenseGEMV.maximumRows` rows in a decoder pass (`Scratch.denseGEMV`), dense f32 weights run a
/// GEMV that reads W once.
struct PreparedLinear: Sendable {
    enum Form: Sendable {
        /// W [out, in]
        case dense([Float])
        /// W = u·v, u [out, r], v [r, in]: two GEMMs through a [rows, r] intermediate.
        case lowRank(u: [Float], v: [Float], rank: Int)
        /// W ≈ s_w ⊙ Q, int8 GEMMs on the quantized input.
        case int8(QuantizedWeight)
        /// W ≈ u·v with both factors int8: x·vᵀ then ·uᵀ, each an int8 GEMM (the [rows, r]
        /// intermediate is quantized per token again).
        case lowRankInt8(u: QuantizedWeight, v: QuantizedWeight)
        /// W [out, in] in bf16 or f16 as stored, computed from without widening it whole.
        case half(HalfWeight)
    }

    let inFeatures: Int
    let outFeatures: Int
    let form: Form
    let bias: [Float]?

    init(inFeatures: Int, outFeatures: Int, form: Form, bias: [Float]?) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.form = form
        self.bias = bias
    }

    /// `int8GEMMs`: whether int8 weights with dynamic activations may run as int8 GEMMs
    /// (false where this machine has no exact int8 kernel: they are widened like weight-only ones).
    /// Which kernel runs is `LinearKernel`'s decision, the one the cost model prices.
    init(_ linear: Linear<Tensor>, int8GEMMs: Bool = Int8GEMM.capability.activationMaximum != nil) {
        inFeatures = linear.inFeatures
        outFeatures = linear.outFeatures
        bias = linear.bias?.floats()
        switch (LinearKernel(linear, int8GEMMs: int8GEMMs), linear.weight) {
        case let (.f32, .dense(w)):
            // bf16 and f16 stay as stored (`HalfWeight`); the cost model prices them as f32 GEMMs.
            form = HalfWeight(w).map(Form.half) ?? .dense(w.floats())
        case let (.f32, .sparse(values, _, _, _)):
            form = .dense(values.floats())
        case let (.f32, .int8(values, scales)), let (.f32, .sparseInt8(values, scales, _, _, _)):
            form = .dense(Self.widened(values, scales, inFeatures: linear.inFeatures))
        case let (.int8, .int8(values, scales)), let (.int8, .sparseInt8(values, scales, _, _, _)):
            form = .int8(QuantizedWeight(values: values, scales: scales, inFeatures: linear.inFeatures, outFeatures: linear.outFeatures))
        case let (.lowRank(r, _), .lowRank(u, v)):
            form = .lowRank(u: u.floats(), v: v.floats(), rank: r)
        case let (.lowRank(r, _), .lowRankInt8(u, uScales, v, vScales)):
            form = .lowRank(u: Self.widened(u, uScales, inFeatures: r), v: Self.widened(v, vScales, inFeatures: linear.inFeatures), rank: r)
        case let (.lowRankInt8(r), .lowRankInt8(u, uScales, v, vScales)):
            form = .lowRankInt8(u: QuantizedWeight(values: u, scales: uScales, inFeatures: r, outFeatures: linear.outFeatures),
                                v: QuantizedWeight(values: v, scales: vScales, inFeatures: linear.inFeatures, outFeatures: r))
        case let (kernel, weight):
            preconditionFailure("LinearKernel chose \(kernel) for a \(weight.kind) weight")
        }
    }

    /// The f32 weight s·Q [rows, in] of int8 values [rows, in] with scales [rows] or [rows, in/g]
    /// (for weight-only int8 and machines without int8 GEMMs).
    private static func widened(_ values: Tensor, _ scales: Tensor, inFeatures: Int) -> [Float] {
        let rows = values.shape[0], g = scales.int8GroupSize(inFeatures: inFeatures)
        guard rows * inFeatures > 0 else { return [] }
        let s = scales.floats()
        return [Float](unsafeUninitializedCapacity: rows * inFeatures) { out, initialized in
            values.withUnsafeBytes { q in
                s.withUnsafeBufferPointer { s in
                    Int8Quantization.dequantize(q.baseAddress!.assumingMemoryBound(to: Int8.self), scales: s.baseAddress!, columns: inFeatures,
                                                groupSize: g == inFeatures ? nil : g, rows: 0..<rows, into: out.baseAddress!)
                }
            }
            initialized = rows * inFeatures
        }
    }

    /// Linears that read the same input stacked into one (Q, K and V: one GEMM of out = Σ out_i
    /// instead of three, and one quantization of x), outputs side by side in `parts` order; nil
    /// unless all are dense f32 or all int8 with the same group size (16-bit weights stay apart:
    /// stacking would copy them).
    static func stacked(_ parts: [PreparedLinear]) -> PreparedLinear? {
        guard let first = parts.first, parts.allSatisfy({ $0.inFeatures == first.inFeatures }) else { return nil }
        let out = parts.reduce(0) { $0 + $1.outFeatures }
        let bias: [Float]? = parts.contains { $0.bias != nil }
            ? parts.flatMap { $0.bias ?? [Float](repeating: 0, count: $0.outFeatures) } : nil
        var dense: [[Float]] = [], integer: [QuantizedWeight] = []
        for p in parts {
            switch p.form {
            case let .dense(w): dense.append(w)
            case let .int8(w): integer.append(w)
            case .lowRank, .lowRankInt8, .half: return nil
            }
        }
        if dense.count == parts.count {
            return PreparedLinear(inFeatures: first.inFeatures, outFeatures: out, form: .dense(dense.flatMap { $0 }), bias: bias)
        }
        guard integer.count == parts.count, let w = QuantizedWeight.stacked(integer) else { return nil }
        return PreparedLinear(inFeatures: first.inFeatures, outFeatures: out, form: .int8(w), bias: bias)
    }

    /// y = act(x·Wᵀ + b), or y += x·Wᵀ + b with `accumulate` (a residual add: the GEMM's β = 1;
    /// no activation then). Bias and activation are one pass over y after the GEMM.
    func apply(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>, ldy: Int? = nil,
               accumulate: Bool = false, activation: Activations.Kind? = nil, scratch: Scratch? = nil,
               profile: ForwardProfile? = nil, phase: ForwardProfile.Phase = .head) {
        precondition(!accumulate || activation == nil, "an activation applies to a fresh output, not to a residual sum")
        let ldy = ldy ?? outFeatures
        let scratch = scratch ?? Scratch()
        let beta: Float = accumulate ? 1 : 0
        var biasDone = false, activated = false
        switch form {
        case let .dense(w) where rows <= DenseGEMV.maximumRows && scratch.denseGEMV:
            // Decode steps: a GEMV that reads W once (an sgemm of one row packs W first).
            timed(profile, phase) {
                w.withUnsafeBufferPointer { w in
                    DenseGEMV.multiply(x, rows: rows, weight: w.baseAddress!, inFeatures: inFeatures, outFeatures: outFeatures,
                                       into: y, ldy: ldy, accumulate: accumulate)
                }
            }
        case let .dense(w):
            w.withUnsafeBufferPointer { w in
                gemm(profile, phase, x, w.baseAddress!, into: y, m: rows, n: outFeatures, k: inFeatures,
                     transposeB: true, beta: beta, ldc: ldy)
            }
        case let .lowRank(u, v, rank):
            let middle = scratch.buffer(.middle, count: rows * rank, of: Float.self)
            v.withUnsafeBufferPointer { v in
                gemm(profile, phase, x, v.baseAddress!, into: middle, m: rows, n: rank, k: inFeatures, transposeB: true)
            }
            u.withUnsafeBufferPointer { u in
                gemm(profile, phase, middle, u.baseAddress!, into: y, m: rows, n: outFeatures, k: rank,
                     transposeB: true, beta: beta, ldc: ldy)
            }
        case let .half(w):
            w.multiply(x, rows: rows, into: y, ldy: ldy, accumulate: accumulate, scratch: scratch, profile: profile, phase: phase)
        case let .int8(w):
            activated = withBias(bias) { b in
                w.multiply(x, rows: rows, into: y, ldy: ldy, accumulate: accumulate, bias: b, activation: activation, scratch: scratch,
                           profile: profile, phase: phase)
            }
            biasDone = true
        case let .lowRankInt8(u, v):
            // The intermediate has its own slot: `u.multiply` reuses the codes and accumulators.
            let middle = scratch.buffer(.middle, count: rows * v.outFeatures, of: Float.self)
            v.multiply(x, rows: rows, into: middle, ldy: v.outFeatures, accumulate: false, bias: nil, scratch: scratch,
                       profile: profile, phase: phase)
            activated = withBias(bias) { b in
                u.multiply(middle, rows: rows, into: y, ldy: ldy, accumulate: accumulate, bias: b, activation: activation, scratch: scratch,
                           profile: profile, phase: phase)
            }
            biasDone = true
        }
        let pendingBias = biasDone ? nil : bias, pendingActivation = activated ? nil : activation
        guard pendingBias != nil || pendingActivation != nil else { return }
        timed(profile, pendingActivation == nil ? .bias : .activation) {
            withBias(pendingBias) { b in
                Activations.biasAndActivate(y, rows: rows, columns: outFeatures, ldy: ldy, bias: b, activation: pendingActivation)
            }
        }
    }

    private func withBias<R>(_ b: [Float]?, _ body: (UnsafePointer<Float>?) -> R) -> R {
        guard let b else { return body(nil) }
        return b.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
