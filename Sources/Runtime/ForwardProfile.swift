import Kernels

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
        case norms = "layer-norm+residual"
        case head

        public var isGEMM: Bool { rawValue.hasSuffix("-gemm") }
    }

    /// One sgemm call: C [m, n] = A [m, k] · op(B), with the row strides used.
    public struct GEMMCall: Hashable, Sendable {
        public let phase: Phase
        public let m, n, k: Int
        public let transposeB: Bool
        public let lda, ldb, ldc: Int

        /// 2·m·n·k
        public var flops: Int { 2 * m * n * k }
    }

    public private(set) var seconds: [Phase: Double] = [:]
    public private(set) var gemms: [GEMMCall] = []

    public init() {}

    func add(_ phase: Phase, _ duration: Duration) {
        let c = duration.components
        seconds[phase, default: 0] += Double(c.seconds) + Double(c.attoseconds) * 1e-18
    }

    func record(_ call: GEMMCall) { gemms.append(call) }
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

/// GEMM.multiply, timed and recorded under `phase` when profiling.
@inline(__always)
func gemm(_ profile: ForwardProfile?, _ phase: ForwardProfile.Phase,
          _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into c: UnsafeMutablePointer<Float>,
          m: Int, n: Int, k: Int, transposeB: Bool = false, alpha: Float = 1, beta: Float = 0,
          lda: Int? = nil, ldb: Int? = nil, ldc: Int? = nil) {
    guard let profile else {
        GEMM.multiply(a, b, into: c, m: m, n: n, k: k, transposeB: transposeB, alpha: alpha, beta: beta,
                      lda: lda, ldb: ldb, ldc: ldc)
        return
    }
    profile.record(.init(phase: phase, m: m, n: n, k: k, transposeB: transposeB, lda: lda ?? k,
                         ldb: ldb ?? (transposeB ? k : n), ldc: ldc ?? n))
    timed(profile, phase) {
        GEMM.multiply(a, b, into: c, m: m, n: n, k: k, transposeB: transposeB, alpha: alpha, beta: beta,
                      lda: lda, ldb: ldb, ldc: ldc)
    }
}
