import Kernels
import ModelIR
import TensorCore

/// `int8-quantize`: stores the weights of the linears `select` matches as int8 with one
/// symmetric scale per output channel (the weight-only scheme of llm-compressor's W8A16 and of
/// ONNX Runtime's per-channel weights):
///
///     s_o = max_i |W[o, i]| / 127   (1 for an all-zero row),  Q[o, i] = clamp(roundHalfEven(W[o, i] / s_o), −127, 127)
///
/// so W[o, i] ≈ s_o · Q[o, i] within s_o / 2. Dense weights [out, in] become
/// `.int8(values: i8 [out, in], scales: f32 [out])`; biases stay as they are. Already-int8
/// linears are skipped (a note); low-rank and sparse ones are errors (no int8 form of those).
///
/// Per-group and asymmetric scales, and static activation scales for W8A8 runtimes, are
/// options the IR cannot hold yet (`WeightForm.int8` has one f32 scale per output channel and
/// no zero point or input scale): their values are rejected by `validate` with that reason.
public struct Int8Quantize: Pass {
    public enum Granularity: String, Codable, Sendable, Equatable {
        /// One scale per output channel (row of W).
        case perChannel = "per-channel"
        /// One scale per (row, group of inputs): needs per-group scales in `WeightForm.int8`.
        case perGroup = "per-group"
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
        public var symmetric: Bool = true
        public var activationScales: ActivationScales = .none

        public init() {}

        public func validate() throws(PassError) {
            guard granularity == .perChannel else {
                throw .invalidValue(key: "granularity", value: granularity.rawValue,
                                    expected: "per-channel (per-group scales have no slot in the IR's int8 form yet)")
            }
            guard symmetric else {
                throw .invalidValue(key: "symmetric", value: "false",
                                    expected: "true (asymmetric zero points have no slot in the IR's int8 form yet)")
            }
            guard activationScales == .none else {
                throw .invalidValue(key: "activation-scales", value: activationScales.rawValue,
                                    expected: "none (static activation scales have no slot in the IR yet; int8 weights run with f32 activations)")
            }
        }
    }

    public static let name = "int8-quantize"
    public static let summary = "Store weights as int8 with symmetric per-output-channel scales (weight-only, f32 activations)."
    public let options: Options

    public init(options: Options) { self.options = options }

    public func check(_ s: Skeleton) -> [Diagnostic] {
        let paths = s.linearPaths(matching: options.select)
        guard !paths.isEmpty else {
            return [Diagnostic.selectsNoLinear(options.select)]
        }
        return paths.compactMap { path in s.linear(at: path).flatMap { Self.diagnostic($0.weight, at: path) } }
    }

    /// Dense specs become i8 values [out, in] and f32 scales [out]; everything else is unchanged.
    public func effect(on s: inout Skeleton) {
        for path in s.linearPaths(matching: options.select) {
            guard var linear = s.linear(at: path), case .dense = linear.weight else { continue }
            linear.weight = .int8(values: TensorSpec(dtype: .i8, shape: [linear.outFeatures, linear.inFeatures]),
                                  scales: TensorSpec(dtype: .f32, shape: [linear.outFeatures]))
            s.setLinear(linear, at: path)
        }
    }

    public func run(on model: inout Model, context: PassContext) async throws(PassError) -> PassResult {
        var linears = 0, parameters = 0
        var diagnostics: [Diagnostic] = []
        for path in model.linearPaths(matching: options.select) {
            guard var linear = model.linear(at: path) else { continue }
            if let d = Self.diagnostic(linear.weight, at: path) {
                guard d.severity != .error else { throw .checkFailed([d]) }
                diagnostics.append(d)
                continue
            }
            guard case let .dense(w) = linear.weight else { continue }
            let (values, scales) = try Self.quantize(w, at: path)
            linear.weight = .int8(values: values, scales: scales)
            model.setLinear(linear, at: path)
            linears += 1
            parameters += w.elementCount
        }
        return PassResult(changed: linears > 0, counters: ["linears-quantized": linears, "parameters-quantized": parameters],
                          diagnostics: diagnostics)
    }

    /// Why a weight of this form is not quantized: a note for int8 (skipped), an error for forms
    /// without an int8 counterpart; nil for dense weights.
    static func diagnostic<T>(_ form: WeightForm<T>, at path: LayerPath) -> Diagnostic? {
        let at = path.description
        switch form {
        case .dense:
            return nil
        case .int8:
            return Diagnostic(.note, at: at, "already int8; left as it is")
        case .lowRank:
            return Diagnostic(.error, at: at, "int8-quantize needs a dense weight but found low-rank",
                              hint: "int8 low-rank factors are not supported: move int8-quantize before svd-lowrank, or leave \(at) out of select")
        case .sparse:
            return Diagnostic(.error, at: at, "int8-quantize needs a dense weight but found sparse",
                              hint: "int8 sparse weights are not supported: drop magnitude-prune for \(at), or leave it out of select")
        }
    }

    /// Q i8 [out, in] and s f32 [out] for a dense W [out, in] of any float dtype.
    static func quantize(_ w: Tensor, at path: LayerPath) throws(PassError) -> (values: Tensor, scales: Tensor) {
        let rows = w.shape[0], columns = w.shape[1]
        guard rows * columns > 0 else {
            return (Tensor(dtype: .i8, shape: w.shape, bytes: []), Tensor([Float](repeating: 1, count: rows), shape: [rows]))
        }
        var q = [UInt8](repeating: 0, count: rows * columns)
        var s = [Float](repeating: 0, count: rows)
        let run = { (p: UnsafePointer<Float>) -> Int? in
            q.withUnsafeMutableBytes { q in
                s.withUnsafeMutableBufferPointer { s in
                    Int8Quantization.quantize(p, rows: rows, columns: columns,
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
            throw .failed(pass: name, reason: "\(path).weight: row \(row) holds a NaN or infinite value, which int8 cannot represent; fix the checkpoint or leave \(path) out of select")
        }
        return (Tensor(dtype: .i8, shape: w.shape, bytes: q), Tensor(s, shape: [rows]))
    }
}
