import Calibration
import Kernels
import ModelIR
import TensorCore

/// `int8-quantize`: stores the weights of the linears `select` matches as int8 with symmetric
/// scales (the weight-only scheme of llm-compressor's W8A16 and of ONNX Runtime's per-channel
/// weights). For each group of weights sharing a scale (a row of W with `per-channel`, or g =
/// `group-size` consecutive inputs of a row with `per-group`, g dividing in):
///
///     s = max |W| over the group / M   (1 for an all-zero group),  Q = clamp(roundHalfEven(W / s), −M, M)
///
/// so W ≈ s·Q within s / 2, and a zero weight gives Q = 0 exactly. M = 127 with `weight-bits=8`
/// (the default), 63 with `weight-bits=7` (ONNX Runtime's `reduce_range`). CPUs without VNNI add
/// pairs of u8·s8 products in int16 (`Int8GEMM`), exact for 8-bit activations only against 7-bit
/// weights (2·255·63 < 2¹⁵): there the runtime narrows 8-bit weights to 7 bits at load
/// (`QuantizedWeight.narrow`), and `weight-bits=7` quantizes to 7 bits from the f32 weights
/// instead, one rounding instead of two (MiniLM, held-out cosine: README "CPUs without VNNI",
/// `Int8QuantizeTests.miniLMKeepsSentenceEmbeddings`). The choice is the recipe's, never the
/// machine's, so an artifact's bytes do not depend on the CPU that compiled it. By form:
/// - dense W [out, in] → `.int8(values: i8 [out, in], scales: f32 [out] or [out, in/g])`;
/// - sparse → `.sparseInt8`: the values quantized the same way; the zeros stay 0 and never raise
///   a maximum, so each scale comes from the kept weights; mask, pattern and nonzeros unchanged;
/// - low-rank u·v → `.lowRankInt8`: each factor per row (u-scales [out], v-scales [r]) whatever
///   the granularity, as the form has one scale per factor row (a note says so with per-group);
/// - already-int8 forms are skipped (a note).
/// Biases stay as they are. The other compressing passes need f32 weights, so int8-quantize goes
/// last in a recipe (`svd-lowrank → magnitude-prune → int8-quantize`).
///
/// `activations` records how the runtime runs each quantized linear (`Linear.activations`):
/// `dynamic` (default, W8A8) quantizes the input per token at each call and runs an int8 GEMM;
/// `none` (W8A16) keeps f32 inputs and widens the weight once at load. Asymmetric weight scales
/// and static activation scales are options the IR cannot hold yet (the int8 forms have no zero
/// point and no input scale): their values are rejected by `validate` with that reason.
public struct Int8Quantize: Pass {
    public enum Granularity: String, Codable, Sendable, Equatable {
        /// One scale per output channel (row of W).
        case perChannel = "per-channel"
        /// One scale per (row, group of `group-size` consecutive inputs).
        case perGroup = "per-group"
    }

    /// `Linear.activations` for the linears this pass quantizes.
    public enum Activations: String, Codable, Sendable, Equatable, ChoiceOption {
        /// Quantized per token at each call; int8 GEMMs (W8A8, dynamic).
        case dynamic
        /// f32 activations; the weight is widened to f32 at load (W8A16, weight-only).
        case none

        var quantization: ActivationQuantization { self == .dynamic ? .dynamic : .none }
    }

    public enum ActivationScales: String, Codable, Sendable, Equatable {
        /// Weight-only int8: activations stay f32.
        case none
        /// Static per-input scales max|x| / 127 from the calibration statistics (W8A8).
        case minmax
        /// Static per-input scales from a percentile of |x| (W8A8).
        case percentile
    }

    public struct Options: PassOptions {
        public var select: LayerGlob = "blocks.**"
        public var granularity: Granularity = .perChannel
        /// g, inputs per scale with `per-group`; it must divide the input features of every
        /// selected dense or sparse linear. Unused with `per-channel`.
        public var groupSize: Int = 128
        public var symmetric: Bool = true
        public var activations: Activations = .dynamic
        public var activationScales: ActivationScales = .none
        /// 8: codes −127…127; 7: codes −63…63 (`reduce_range`), for CPUs without VNNI.
        public var weightBits: Int = 8

        public init() {}

        /// M, the largest weight code: 2^(bits−1) − 1.
        var maximumCode: Int8 { Int8((1 << (weightBits - 1)) - 1) }

        public func validate() throws(PassError) {
            guard weightBits == 7 || weightBits == 8 else {
                throw .invalidValue(key: "weight-bits", value: "\(weightBits)",
                                    expected: "8 (codes −127…127) or 7 (codes −63…63: 8-bit activations on CPUs without VNNI)")
            }
            guard groupSize >= 1 else {
                throw .invalidValue(key: "group-size", value: "\(groupSize)", expected: "an integer ≥ 1 that divides the input features")
            }
            guard symmetric else {
                throw .invalidValue(key: "symmetric", value: "false",
                                    expected: "true (asymmetric zero points have no slot in the IR's int8 form yet)")
            }
            guard activationScales == .none else {
                throw .invalidValue(key: "activation-scales", value: activationScales.rawValue,
                                    expected: "none (static activation scales have no slot in the IR yet; activations=dynamic computes them per token at run time)")
            }
        }

        /// g for dense and sparse weights, nil for one scale per row.
        var groupSizeIfPerGroup: Int? { granularity == .perGroup ? groupSize : nil }
    }

    public static let name = "int8-quantize"
    public static let summary = "Store weights as int8 with symmetric per-channel or per-group scales (dense, sparse and low-rank); run them as int8 GEMMs on activations quantized per token (activations=dynamic) or widen them at load (none)."
    public let options: Options

    public init(options: Options) { self.options = options }

    public func check(_ s: Skeleton) -> [Diagnostic] {
        let paths = s.linearPaths(matching: options.select)
        guard !paths.isEmpty else {
            return [Diagnostic.selectsNoLinear(options.select)]
        }
        return paths.compactMap { path in s.linear(at: path).flatMap { diagnostic($0, at: path) } }
    }

    /// Each selected dense, sparse or low-rank spec becomes its int8 form: i8 values of the same
    /// shape, f32 scales [rows] or [rows, in/g]; everything else is unchanged.
    public func effect(on s: inout Skeleton) {
        for path in s.linearPaths(matching: options.select) {
            guard var linear = s.linear(at: path), let form = Self.quantized(linear.weight, groupSize: options.groupSizeIfPerGroup, { t, g, _ in
                let rows = t.shape[0]
                return (TensorSpec(dtype: .i8, shape: t.shape),
                        TensorSpec(dtype: .f32, shape: Shape(g.map { [rows, t.shape[1] / $0] } ?? [rows])))
            }) else { continue }
            linear.weight = form
            linear.activations = options.activations.quantization
            s.setLinear(linear, at: path)
        }
    }

    public func run(on model: inout Model, context: PassContext) async throws(PassError) -> PassResult {
        try options.validate() // a pass built in code has not been through the recipe's validation
        var outcome = BlockOutcome(changed: false, counters: ["linears-quantized": 0, "parameters-quantized": 0])
        for path in model.linearPaths(matching: options.select) {
            guard var linear = model.linear(at: path) else { continue }
            try quantize(&linear, at: path, into: &outcome)
            model.setLinear(linear, at: path)
        }
        return result(outcome)
    }

    /// Quantizes one selected linear (or notes why not), counting it in `outcome`.
    private func quantize(_ linear: inout Linear<Tensor>, at path: LayerPath, into outcome: inout BlockOutcome) throws(PassError) {
        if let d = diagnostic(linear, at: path) {
            guard d.severity != .error else { throw .checkFailed([d]) }
            outcome.notes.append(d)
        }
        guard let form = try Self.quantized(linear.weight, groupSize: options.groupSizeIfPerGroup, { (t, g, role) throws(PassError) in
            try Self.quantize(t, groupSize: g, maximumCode: options.maximumCode, at: "\(path).\(role)", path: path)
        }) else { return }
        outcome.counters["parameters-quantized", default: 0] += linear.parameterCount - (linear.bias?.elementCount ?? 0)
        outcome.counters["linears-quantized", default: 0] += 1
        outcome.changed = true
        linear.weight = form
        linear.activations = options.activations.quantization
    }

    private func result(_ outcome: BlockOutcome) -> PassResult {
        PassResult(changed: outcome.changed, counters: outcome.counters, diagnostics: outcome.notes)
    }

    /// A note for a weight left as it is (already int8) or quantized per row despite per-group
    /// (low-rank), an error for a group size that does not divide the inputs; nil otherwise.
    func diagnostic<T>(_ linear: Linear<T>, at path: LayerPath) -> Diagnostic? {
        let at = path.description, inF = linear.inFeatures, g = options.groupSize
        switch linear.weight {
        case .int8, .lowRankInt8, .sparseInt8:
            return Diagnostic(.note, at: at, "already int8; left as it is")
        case .dense, .sparse:
            guard options.granularity == .perGroup, inF % g != 0 else { return nil }
            return Diagnostic(.error, at: at, "group-size \(g) does not divide the \(inF) input features",
                              hint: "use a group-size that divides \(inF), granularity=per-channel, or leave \(at) out of select")
        case .lowRank:
            guard options.granularity == .perGroup else { return nil }
            return Diagnostic(.note, at: at, "low-rank factors are quantized per row (one scale per row of u and of v), not per group")
        }
    }

    /// The int8 form of `weight`, each of its tensors [rows, columns] quantized by `q` (g inputs
    /// per scale, nil for one per row; the role names the tensor in errors); nil for a weight
    /// that is already int8. The one place that decides the structure, for `effect` and `run`.
    static func quantized<T, E: Error>(_ weight: WeightForm<T>, groupSize: Int?,
                                       _ q: (T, Int?, String) throws(E) -> (values: T, scales: T)) throws(E) -> WeightForm<T>? {
        switch weight {
        case let .dense(w):
            let (values, scales) = try q(w, groupSize, "weight")
            return .int8(values: values, scales: scales)
        case let .sparse(values, mask, pattern, nonzeros):
            let (quantized, scales) = try q(values, groupSize, "values")
            return .sparseInt8(values: quantized, scales: scales, mask: mask, pattern: pattern, nonzeros: nonzeros)
        case let .lowRank(u, v):
            let (qu, uScales) = try q(u, nil, "u"), (qv, vScales) = try q(v, nil, "v")
            return .lowRankInt8(u: qu, uScales: uScales, v: qv, vScales: vScales)
        case .int8, .lowRankInt8, .sparseInt8:
            return nil
        }
    }

    /// Q i8 [rows, columns] and s f32 [rows] (or [rows, columns/g]) for a float tensor
    /// [rows, columns] of any float dtype; `tensorName` (`blocks.0.mlp.up.weight`) names it in errors.
    static func quantize(_ w: Tensor, groupSize g: Int?, maximumCode: Int8 = 127, at tensorName: String,
                         path: LayerPath) throws(PassError) -> (values: Tensor, scales: Tensor) {
        let rows = w.shape[0], columns = w.shape[1]
        let scaleShape = Shape(g.map { [rows, columns / $0] } ?? [rows])
        guard rows * columns > 0 else {
            return (Tensor(dtype: .i8, shape: w.shape, bytes: []), Tensor([Float](repeating: 1, count: scaleShape.count), shape: scaleShape))
        }
        var q = [UInt8](repeating: 0, count: rows * columns)
        var s = [Float](repeating: 0, count: scaleShape.count)
        let run = { (p: UnsafePointer<Float>) -> Int? in
            q.withUnsafeMutableBytes { q in
                s.withUnsafeMutableBufferPointer { s in
                    Int8Quantization.quantize(p, rows: rows, columns: columns, groupSize: g, maximumCode: maximumCode,
                                              values: q.baseAddress!.assumingMemoryBound(to: Int8.self), scales: s.baseAddress!)
                }
            }
        }
        // Aligned f32 straight from the (possibly mapped) bytes, with no f32 copy of the weight.
        let direct = w.dtype == .f32 && w.withUnsafeBytes { Int(bitPattern: $0.baseAddress) % 4 == 0 }
        let nonFinite = direct
            ? w.withUnsafeBytes { run($0.baseAddress!.assumingMemoryBound(to: Float.self)) }
            : w.floats().withUnsafeBufferPointer { run($0.baseAddress!) }
        if let row = nonFinite {
            throw .failed(pass: name, reason: "\(tensorName): row \(row) holds a NaN or infinite value, which int8 cannot represent; fix the checkpoint or leave \(path) out of select")
        }
        return (Tensor(dtype: .i8, shape: w.shape, bytes: q), Tensor(s, shape: scaleShape))
    }
}

extension Int8Quantize: BlockwisePass {
    /// Block by block when `select` names block linears only (the head's and a decoder's stay
    /// with the whole-model path).
    public func runsBlockwise(_ s: Skeleton, _ context: PassContext) -> Bool {
        s.linearPaths(matching: options.select).allSatisfy { $0.blockIndex != nil }
    }

    public func request(block l: Int, _ s: Skeleton) -> CalibrationStream.Request? { nil }

    public func apply(to block: inout Block<Tensor>, index l: Int, statistics: ActivationStatistics?, decision: [Int]?,
                      context: PassContext) throws(PassError) -> BlockOutcome {
        var outcome = BlockOutcome(changed: false, counters: ["linears-quantized": 0, "parameters-quantized": 0])
        for (path, var linear) in block.linears(index: l) where options.select.matches(path) {
            try quantize(&linear, at: path, into: &outcome)
            block.setLinear(linear, at: path)
        }
        return outcome
    }

    public func finish(_ outcomes: [BlockOutcome], elimination: inout EliminationProfile?, _ s: Skeleton,
                       context: PassContext) throws(PassError) -> PassResult {
        result(BlockOutcome(changed: outcomes.contains { $0.changed }, counters: BlockOutcome.summed(outcomes),
                            notes: outcomes.flatMap(\.notes)))
    }
}
