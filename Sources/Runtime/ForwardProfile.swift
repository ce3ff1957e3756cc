import Kernels
import TensorCore

/// Where a forward pass spends its time, by phase, and the shapes of every GEMM it ran.
/// Passed to a forward pass only when someone asks (`pare bench`); nil costs one branch per phase.
public final class ForwardProfile: @unchecked Sendable {
    public enum Phase: String, CaseIterable, Codable, Sendable {
        case embeddings
        case qkv = "qkv-gemm"
        case scores = "scores-gemm"
        case softmax
        case selection = "sort+eliminate"
        case context = "context-gemm"
        case output = "output-gemm"
        case up = "mlp-up-gemm"
        case activation
        case down = "mlp-down-gemm"
        case bias = "bias-add"
        /// Per-token quantization of int8 linears' inputs (u8 codes, scales, zero points).
        case quantize = "quantize-activations"
        /// int32 accumulators → f32 outputs of int8 linears (scales, zero points, bias).
        case dequantize = "int8-dequantize"
        case norms = "layer-norm+residual"
        case head

        public var isGEMM: Bool { rawValue.hasSuffix("-gemm") }
    }

    /// What a GEMM multiplies.
    public enum Precision: String, CaseIterable, Codable, Sendable {
        /// f32 × f32 → f32 (OpenBLAS sgemm)
        case f32
        /// u8 × s8 → s32 (oneDNN)
        case int8
    }

    /// One GEMM call: C [m, n] = A [m, k] · op(B), with the row strides used.
    public struct GEMMCall: Hashable, Sendable {
        public let phase: Phase
        public var precision: Precision = .f32
        public let m, n, k: Int
        public let transposeB: Bool
        public let lda, ldb, ldc: Int

        /// 2·m·n·k
        public var flops: Int { 2 * m * n * k }
    }

    public private(set) var seconds: [Phase: Double] = [:]
    public private(set) var gemms: [GEMMCall] = []
    /// Wall time inside GEMM calls, by precision.
    public private(set) var gemmSeconds: [Precision: Double] = [:]

    public init() {}

    func add(_ phase: Phase, _ duration: Duration) {
        seconds[phase, default: 0] += duration.inSeconds
    }

    /// Adds `duration` to the call's phase and to its precision's GEMM time, and keeps the call.
    func record(_ call: GEMMCall, _ duration: Duration) {
        add(call.phase, duration)
        gemms.append(call)
        gemmSeconds[call.precision, default: 0] += duration.inSeconds
    }

    /// Adds what `workers` profiles recorded side by side, each on its own thread over the same
    /// stretch of wall time: their times summed and divided by the worker count (the wall time
    /// each phase took on every core at once), their calls kept.
    func merge(concurrent workers: [ForwardProfile]) {
        let share = 1 / Double(max(workers.count, 1))
        for w in workers {
            for (phase, t) in w.seconds { seconds[phase, default: 0] += t * share }
            for (precision, t) in w.gemmSeconds { gemmSeconds[precision, default: 0] += t * share }
            gemms += w.gemms
        }
    }
}

/// Runs `body`, adding its wall time to `phase` when profiling.
@inline(__always)
func timed<R>(_ profile: ForwardProfile?, _ phase: ForwardProfile.Phase, _ body: () throws -> R) rethrows -> R {
    guard let profile else { return try body() }
    let start = ContinuousClock.now
    let result = try body()
    profile.add(phase, ContinuousClock.now - start)
    return result
}

/// Runs `body`, one GEMM; when profiling, adds its wall time to the call's phase and records
/// the call (shapes, precision) with that time.
@inline(__always)
private func recorded(_ profile: ForwardProfile?, _ call: @autoclosure () -> ForwardProfile.GEMMCall, _ body: () -> Void) {
    guard let profile else { return body() }
    let start = ContinuousClock.now
    body()
    profile.record(call(), ContinuousClock.now - start)
}

/// GEMM.multiply, timed and recorded under `phase` when profiling.
@inline(__always)
func gemm(_ profile: ForwardProfile?, _ phase: ForwardProfile.Phase,
          _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into c: UnsafeMutablePointer<Float>,
          m: Int, n: Int, k: Int, transposeB: Bool = false, alpha: Float = 1, beta: Float = 0,
          lda: Int? = nil, ldb: Int? = nil, ldc: Int? = nil) {
    recorded(profile, .init(phase: phase, m: m, n: n, k: k, transposeB: transposeB, lda: lda ?? k,
                            ldb: ldb ?? (transposeB ? k : n), ldc: ldc ?? n)) {
        GEMM.multiply(a, b, into: c, m: m, n: n, k: k, transposeB: transposeB, alpha: alpha, beta: beta,
                      lda: lda, ldb: ldb, ldc: ldc)
    }
}

/// Int8GEMM.multiply (C = A·Bᵀ, u8 × s8 → s32), timed and recorded under `phase` when profiling.
@inline(__always)
func int8GEMM(_ profile: ForwardProfile?, _ phase: ForwardProfile.Phase,
              _ a: UnsafePointer<UInt8>, lda: Int, _ b: UnsafePointer<Int8>, ldb: Int,
              into c: UnsafeMutablePointer<Int32>, ldc: Int, m: Int, n: Int, k: Int) {
    recorded(profile, .init(phase: phase, precision: .int8, m: m, n: n, k: k, transposeB: true, lda: lda, ldb: ldb, ldc: ldc)) {
        Int8GEMM.multiply(a, lda: lda, b, ldb: ldb, into: c, ldc: ldc, m: m, n: n, k: k)
    }
}
