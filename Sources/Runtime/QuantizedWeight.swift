import Kernels
import ModelIR
import TensorCore

/// An int8 weight laid out for `Int8GEMM`: W[o, i] ≈ s_w[o, i / g] · Q[o, i], Q i8 [out, in], one
/// scale per output channel (g = in) or per group of g inputs. The dense part of `int8`,
/// `sparseInt8` (zeros in place: no sparse int8 kernel exists, and a dense one is exact on them)
/// and each factor of `lowRankInt8`.
///
/// y [rows, out] = x [rows, in] · Wᵀ (+ b) runs as: quantize x per token (`TokenQuantization`,
/// codes q, scales s_a, zero points z), then for each group k of g inputs one int8 GEMM
/// C_k = q[:, G_k] · Q[:, G_k]ᵀ (exact int32), dequantized and summed in group order:
///
///     y[r, o] = Σ_k s_a[r] · s_w[o, k] · (C_k[r, o] − z[r] · Σ_{i∈G_k} Q[o, i]) + b[o]
///
/// The column sums Σ Q[o, i] that remove the zero point are computed once, here. For up to
/// `Int8GEMV.maximumRows` rows (decoding) C_k comes from `Int8GEMV`, the same exact sums.
struct QuantizedWeight: Sendable {
    let inFeatures: Int
    let outFeatures: Int
    /// g, inputs per scale.
    let groupSize: Int
    /// Q i8 [out, in]
    let values: [Int8]
    /// s_w by group, transposed to [in/g, out] so that one group's scales are contiguous.
    let scales: [Float]
    /// Σ_{i∈G_k} Q[o, i], [in/g, out].
    let columnSums: [Int32]
    /// The largest activation code this weight runs with: 255, or 127 for 8-bit weights on a
    /// CPU without VNNI (`Int8GEMM.activationMaximum(weightMaximum:)`; max |Q| decides).
    let activationMaximum: UInt8

    var groups: Int { inFeatures / groupSize }

    /// From the IR's tensors: values i8 [out, in], scales f32 [out] or [out, in/g].
    init(values: Tensor, scales: Tensor, inFeatures: Int, outFeatures: Int) {
        let g = scales.int8GroupSize(inFeatures: inFeatures)
        precondition(values.dtype == .i8 && values.shape.dims == [outFeatures, inFeatures]
                     && scales.shape[0] == outFeatures && scales.elementCount * g == outFeatures * inFeatures,
                     "int8 weight \(values) with scales \(scales) does not match \(inFeatures) → \(outFeatures)")
        let q = values.withUnsafeBytes { Array($0.bindMemory(to: Int8.self)) }
        self.init(values: q, scalesByRow: scales.floats(), groupSize: max(1, g), inFeatures: inFeatures, outFeatures: outFeatures)
    }

    private init(inFeatures: Int, outFeatures: Int, groupSize: Int, values: [Int8], scales: [Float], columnSums: [Int32]) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.groupSize = groupSize
        self.values = values
        self.scales = scales
        self.columnSums = columnSums
        activationMaximum = Self.activationMaximum(values)
    }

    /// `Int8GEMM.activationMaximum(weightMaximum:)` for max |Q| (127 where int8 GEMMs are unavailable).
    static func activationMaximum(_ values: [Int8]) -> UInt8 {
        let w = Int8(clamping: values.reduce(0) { Swift.max($0, Swift.abs(Int($1))) })
        return Int8GEMM.activationMaximum(weightMaximum: w) ?? 127
    }

    /// `scalesByRow` [out, in/g] as the IR stores them. Where this machine's kernel runs 8-bit
    /// activations only against 7-bit weights (no VNNI, `Int8GEMM.narrowsWeights`), groups with
    /// codes beyond ±63 are narrowed first (`narrowed`), so every weight runs on 8-bit activations.
    init(values: [Int8], scalesByRow: [Float], groupSize g: Int, inFeatures: Int, outFeatures: Int,
         narrowing: Bool = Int8GEMM.narrowsWeights) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        groupSize = inFeatures == 0 ? 1 : g
        let groups = inFeatures / groupSize
        var (values, scalesByRow) = (values, scalesByRow)
        if narrowing { Self.narrow(&values, scales: &scalesByRow, groupSize: groupSize, inFeatures: inFeatures) }
        self.values = values
        var scales = [Float](repeating: 0, count: groups * outFeatures)
        var sums = [Int32](repeating: 0, count: groups * outFeatures)
        for o in 0..<outFeatures {
            for k in 0..<groups {
                scales[k * outFeatures + o] = scalesByRow[o * groups + k]
                var sum: Int32 = 0
                for i in (k * groupSize)..<((k + 1) * groupSize) { sum += Int32(values[o * inFeatures + i]) }
                sums[k * outFeatures + o] = sum
            }
        }
        self.scales = scales
        columnSums = sums
        activationMaximum = Self.activationMaximum(values)
    }

    /// Requantizes each group whose largest code m exceeds 63 to 7 bits, from its codes alone
    /// (the f32 weights are gone by now):
    ///
    ///     Q'[o, i] = roundHalfEven(Q[o, i] · 63 / m),   s' = s · m / 63
    ///
    /// so s'·Q' ≈ s·Q within s'/2, on top of the 8-bit rounding (within s/2 ≈ s'/4): the weight
    /// error grows by about a quarter of a 7-bit step, less than what 7-bit activations would cost
    /// on every token (measured in `Int8QuantizeTests.miniLMKeepsSentenceEmbeddings`).
    static func narrow(_ values: inout [Int8], scales: inout [Float], groupSize g: Int, inFeatures: Int) {
        guard inFeatures > 0 else { return }
        let groups = inFeatures / g
        for row in 0..<(values.count / inFeatures) {
            for k in 0..<groups {
                let range = (row * inFeatures + k * g)..<(row * inFeatures + (k + 1) * g)
                let m = values[range].reduce(0) { Swift.max($0, Swift.abs(Int($1))) }
                guard m > 63 else { continue }
                for i in range { values[i] = Int8((Double(Int(values[i]) * 63) / Double(m)).rounded(.toNearestOrEven)) }
                scales[row * groups + k] = scales[row * groups + k] * Float(m) / 63
            }
        }
    }

    /// Several weights with the same inputs and group size stacked along the outputs (Q, K, V
    /// into one [Σ out, in] weight, so x is quantized once and multiplied by one GEMM); nil when
    /// their inputs or group sizes differ. Group k's scales and column sums are the parts' group
    /// k rows, side by side.
    static func stacked(_ parts: [QuantizedWeight]) -> QuantizedWeight? {
        guard let first = parts.first,
              parts.allSatisfy({ $0.inFeatures == first.inFeatures && $0.groupSize == first.groupSize }) else { return nil }
        func byGroup<T>(_ part: (QuantizedWeight) -> [T]) -> [T] {
            (0..<first.groups).flatMap { k in parts.flatMap { p in part(p)[(k * p.outFeatures)..<((k + 1) * p.outFeatures)] } }
        }
        return QuantizedWeight(inFeatures: first.inFeatures, outFeatures: parts.reduce(0) { $0 + $1.outFeatures },
                               groupSize: first.groupSize, values: parts.flatMap(\.values), scales: byGroup(\.scales),
                               columnSums: byGroup(\.columnSums))
    }

    /// y [rows, out] (row stride ldy) = x [rows, in] · Wᵀ + b, or y += that with `accumulate`.
    /// `activation` (one group only, not accumulating) is applied row by row inside the
    /// dequantization, while each row is in cache; otherwise the caller applies it.
    /// Returns whether it applied `activation`.
    @discardableResult
    func multiply(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>, ldy: Int, accumulate: Bool,
                  bias: UnsafePointer<Float>?, activation: Activations.Kind? = nil, scratch: Scratch,
                  profile: ForwardProfile?, phase: ForwardProfile.Phase) -> Bool {
        let fuse = activation != nil && groups == 1 && !accumulate && profile == nil
        guard rows > 0, outFeatures > 0 else { return false }
        guard inFeatures > 0 else { // x·Wᵀ = 0
            for r in 0..<rows {
                if !accumulate { (y + r * ldy).update(repeating: 0, count: outFeatures) }
                if let bias { Elementwise.add(y + r * ldy, bias, count: outFeatures) }
            }
            return false
        }
        let maximum = activationMaximum
        let codes = scratch.buffer(.codes, count: rows * inFeatures, of: UInt8.self)
        let rowScales = scratch.buffer(.rowScales, count: rows, of: Float.self)
        let zeroPoints = scratch.buffer(.zeroPoints, count: rows, of: Int32.self)
        timed(profile, .quantize) {
            TokenQuantization.quantize(x, rows: rows, columns: inFeatures, ldx: inFeatures, maximum: maximum,
                                       into: codes, scales: rowScales, zeroPoints: zeroPoints)
        }
        let accumulators = scratch.buffer(.accumulators, count: rows * outFeatures, of: Int32.self)
        values.withUnsafeBufferPointer { q in
            scales.withUnsafeBufferPointer { s in
                columnSums.withUnsafeBufferPointer { sums in
                    for k in 0..<groups {
                        let offset = k * groupSize
                        if rows <= Int8GEMV.maximumRows {
                            // Decoding: the weight read once per token (the same exact int32 sums).
                            timed(profile, phase) {
                                Int8GEMV.multiply(codes + offset, lda: inFeatures, q.baseAddress! + offset, ldb: inFeatures,
                                                  into: accumulators, ldc: outFeatures, m: rows, n: outFeatures, k: groupSize)
                            }
                        } else {
                            int8GEMM(profile, phase, codes + offset, lda: inFeatures, q.baseAddress! + offset, ldb: inFeatures,
                                     into: accumulators, ldc: outFeatures, m: rows, n: outFeatures, k: groupSize)
                        }
                        timed(profile, .dequantize) {
                            Int8GEMM.dequantize(accumulators, ldc: outFeatures, rows: rows, columns: outFeatures,
                                                rowScales: rowScales, zeroPoints: zeroPoints,
                                                columnScales: s.baseAddress! + k * outFeatures, columnSums: sums.baseAddress! + k * outFeatures,
                                                bias: k == 0 ? bias : nil, into: y, ldy: ldy, accumulate: accumulate || k > 0,
                                                activation: fuse ? activation : nil)
                        }
                    }
                }
            }
        }
        return fuse
    }
}
