import CBLAS
import CDNNL

/// Integer matrix products on oneDNN (`dnnl_gemm_u8s8s32`, which picks its kernel for the CPU at
/// run time): C s32 [m, n] = A u8 [m, k] · Bᵀ with B s8 [n, k], the layout of a Linear's int8
/// weight W [out, in]. Every product and sum is exact in int32 while k·255·127 < 2³¹ (k < 66 000).
///
/// Saturation: CPUs with VNNI (`vpdpbusd`) accumulate u8·s8 products straight into int32. Without
/// it oneDNN's kernels add *pairs* of products in int16 first (`vpmaddubsw`), which saturates as
/// soon as 2·255·127 > 32 767. With activations kept to 0…127 the pair is at most 2·127·127 =
/// 32 258 and fits, so the kernel is exact again; so does a pair of full-range activations with
/// 7-bit weights (−63…63): 2·255·63 = 32 130. `capability` tells which activation range this
/// machine may use with 8-bit weights, `activationMaximum(weightMaximum:)` with any weights; both
/// are decided once per process from the ISA oneDNN runs (honouring `DNNL_MAX_CPU_ISA`) and
/// probes on adversarial data, never assumed.
public enum Int8GEMM {
    /// What the int8 kernel of this machine computes exactly.
    public enum Capability: Sendable, Equatable, CustomStringConvertible {
        /// u8 activations 0…`activationMaximum` × s8 weights −127…127, exact int32 results.
        case exact(activationMaximum: UInt8, isa: String)
        /// No exact kernel (the probe failed even with 7-bit activations): int8 linears must run in f32.
        case unavailable(isa: String)

        /// The largest activation code to quantize to, or nil when int8 GEMMs are unavailable.
        public var activationMaximum: UInt8? {
            if case let .exact(q, _) = self { return q }
            return nil
        }

        public var isa: String {
            switch self {
            case let .exact(_, isa), let .unavailable(isa): isa
            }
        }

        public var description: String {
            switch self {
            case let .exact(q, isa) where q < 255 && Int8GEMM.narrowsWeights:
                "oneDNN \(isa), u8 activations 0…255 × s8 weights −63…63 (8-bit weights narrowed to 7 bits at load)"
            case let .exact(q, isa): "oneDNN \(isa), u8 activations 0…\(q) × s8 weights"
            case let .unavailable(isa): "oneDNN \(isa): no exact u8×s8 kernel; int8 linears run in f32"
            }
        }
    }

    /// Decided on first use: full-range activations where the ISA has VNNI and a probe of
    /// 255 × ±127 products is exact, 7-bit activations where only the 7-bit probe is exact.
    public static let capability: Capability = {
        let isa = isaName
        let candidates: [UInt8] = hasVNNI ? [255, 127] : [127]
        for q in candidates where probe(activationMaximum: q, weightMaximum: 127) {
            return .exact(activationMaximum: q, isa: isa)
        }
        return .unavailable(isa: isa)
    }()

    /// Whether full-range activations (0…255) are exact against 7-bit weights (−63…63) here.
    static let fullActivationsExactWithSevenBitWeights: Bool = probe(activationMaximum: 255, weightMaximum: 63)

    /// Whether int8 weights should be narrowed to 7 bits at load: the kernel needs 7-bit
    /// activations against 8-bit weights (no VNNI) but is exact on 8-bit activations against 7-bit
    /// weights, which keep more of a model's accuracy (measured on MiniLM, `Int8QuantizeTests`).
    public static var narrowsWeights: Bool {
        capability.activationMaximum == 127 && fullActivationsExactWithSevenBitWeights
    }

    /// The largest activation code for an int8 weight whose codes lie in −`w`…`w`: 255 where the
    /// kernel is exact on it (VNNI, or |w| ≤ 63 where 7-bit weights take full-range activations),
    /// else the capability's (127 without VNNI); nil when int8 GEMMs are unavailable.
    public static func activationMaximum(weightMaximum w: Int8) -> UInt8? {
        guard let q = capability.activationMaximum else { return nil }
        return w <= 63 && narrowsWeights ? 255 : q
    }

    /// C [m, n] (row stride ldc) = A [m, k] (row stride lda) · Bᵀ, B [n, k] (row stride ldb).
    /// Runs on as many OpenMP threads as OpenBLAS has (`BLASThreads.count`), so one setting
    /// governs both libraries; the result does not depend on the thread count (integer sums).
    public static func multiply(_ a: UnsafePointer<UInt8>, lda: Int, _ b: UnsafePointer<Int8>, ldb: Int,
                                into c: UnsafeMutablePointer<Int32>, ldc: Int, m: Int, n: Int, k: Int) {
        guard m > 0, n > 0 else { return }
        guard k > 0 else {
            for r in 0..<m { (c + r * ldc).update(repeating: 0, count: n) }
            return
        }
        omp_set_num_threads(openblas_get_num_threads())
        var offset: Int32 = 0
        let status = dnnl_gemm_u8s8s32(CChar(UInt8(ascii: "N")), CChar(UInt8(ascii: "T")), CChar(UInt8(ascii: "F")),
                                       Int64(m), Int64(n), Int64(k), 1, a, Int64(lda), 0, b, Int64(ldb), 0,
                                       0, c, Int64(ldc), &offset)
        precondition(status == dnnl_success, "dnnl_gemm_u8s8s32 failed (status \(status.rawValue)) for m=\(m) n=\(n) k=\(k)")
    }

    /// The naive product, for tests and the probe: C = A·Bᵀ summed in Int64, then narrowed.
    public static func reference(_ a: UnsafePointer<UInt8>, lda: Int, _ b: UnsafePointer<Int8>, ldb: Int,
                                 into c: UnsafeMutablePointer<Int32>, ldc: Int, m: Int, n: Int, k: Int) {
        for i in 0..<m {
            for j in 0..<n {
                var sum: Int64 = 0
                for p in 0..<k { sum += Int64(a[i * lda + p]) * Int64(b[j * ldb + p]) }
                c[i * ldc + j] = Int32(sum)
            }
        }
    }

    /// oneDNN's ISA name for this process (`avx512_core_vnni`, `avx2`, ...).
    public static var isaName: String {
        switch dnnl_get_effective_cpu_isa() {
        case dnnl_cpu_isa_sse41: "sse41"
        case dnnl_cpu_isa_avx: "avx"
        case dnnl_cpu_isa_avx2: "avx2"
        case dnnl_cpu_isa_avx2_vnni: "avx2_vnni"
        case dnnl_cpu_isa_avx512_core: "avx512_core"
        case dnnl_cpu_isa_avx512_core_vnni: "avx512_core_vnni"
        case dnnl_cpu_isa_avx512_core_bf16: "avx512_core_bf16"
        case dnnl_cpu_isa_avx512_core_amx: "avx512_core_amx"
        case let other: "isa 0x\(String(other.rawValue, radix: 16))"
        }
    }

    /// Whether oneDNN's ISA includes a VNNI instruction set (its ISA values are bit sets: 0x40
    /// marks avx512_core_vnni and every later AVX-512 level, 0x400 avx2_vnni).
    static var hasVNNI: Bool {
        let bits = dnnl_get_effective_cpu_isa().rawValue
        return bits & 0x40 != 0 || bits & 0x400 != 0
    }

    /// Multiplies a [64, 512] block of adversarial codes (activation maximum against ±`w` in
    /// runs that make every adjacent pair of products the same sign) at a shape the JIT kernels
    /// handle, and compares with `reference`.
    static func probe(activationMaximum q: UInt8, weightMaximum w: Int8) -> Bool {
        let m = 64, n = 48, k = 512
        var a = [UInt8](repeating: 0, count: m * k), b = [Int8](repeating: 0, count: n * k)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for i in a.indices {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            a[i] = (state >> 60) < 12 ? q : UInt8(Int(truncatingIfNeeded: state >> 33 & 0xFFFF) % (Int(q) + 1))
        }
        for j in 0..<n {
            for p in 0..<k { b[j * k + p] = (p / 4 + j) % 3 == 0 ? -w : w }
        }
        var fast = [Int32](repeating: 0, count: m * n), slow = fast
        multiply(a, lda: k, b, ldb: k, into: &fast, ldc: n, m: m, n: n, k: k)
        reference(a, lda: k, b, ldb: k, into: &slow, ldc: n, m: m, n: n, k: k)
        return fast == slow
    }
}
