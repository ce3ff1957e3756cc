import Dispatch
import Foundation
import Kernels
import ModelIR
import TensorCore

/// `pare machine-profile`: measures on this CPU every rate the runtime cost model prices
/// (`MachineProfile`), with the kernels the runtime calls and in the way it calls them (GEMMs on
/// all BLAS threads with weights cycled so they come from memory as in a forward pass; attention
/// per sample on one thread each; LayerNorm on one thread; the other passes split by rows).
/// Each figure is the median over `repeats` rounds of its time over the time of a reference
/// sgemm run right after it (`Reference`), times the reference's time on a quiet machine: the
/// load of a shared machine slows both timings of a pair alike and cancels, as in
/// `pare bench --against`. Takes about 20–40 s on two cores.
public enum MachineProfiler {
    public struct Options: Sendable {
        /// Threads to measure on; nil = every core (what `pare bench` and `pare run` use).
        public var threads: Int?
        public var repeats: Int

        public init(threads: Int? = nil, repeats: Int = 8) {
            self.threads = threads
            self.repeats = repeats
        }
    }

    public static func measure(options: Options = .init(), progress: (String) -> Void = { _ in }) -> MachineProfile {
        BLASThreads.count = options.threads ?? ProcessInfo.processInfo.activeProcessorCount
        let r = options.repeats
        let reference = Reference()
        progress("GEMMs")
        let grid = GEMMRateTable.standardGrid
        let (f32, int8) = gemmRates(m: grid.m, n: grid.n, k: grid.k, int8: Int8GEMM.capability.activationMaximum != nil, rounds: r,
                                    reference: reference)
        progress("attention, softmax, norms, activations")
        // The 128-token figures are the table's own, so the two never disagree.
        let byTokens = attentionByTokens(reference, rounds: r)
        let at128 = byTokens.tokens.firstIndex(of: 128)!
        let perElement = MachineProfile.PerElement(
            quantize: quantizeTime(reference, rounds: r), dequantize: dequantizeTime(reference, rounds: r),
            softmax: byTokens.softmax[at128], activation: activationTime(reference, rounds: r),
            elementwise: biasTime(reference, rounds: r), norms: normsTime(reference, rounds: r))
        let attention = byTokens.gemm[at128]
        progress("memory bandwidth")
        let bandwidth = triadBandwidth(reference, rounds: r)
        progress("")
        return MachineProfile(
            machine: thisMachine(), measuredOn: today(),
            gemm: GEMMRateTable(m: grid.m, n: grid.n, k: grid.k, f32: f32.map(rounded), int8: int8?.map(rounded)),
            attentionGemmGflops: rounded(attention), nanosecondsPerElement: .init(
                quantize: rounded(perElement.quantize), dequantize: rounded(perElement.dequantize), softmax: rounded(perElement.softmax),
                activation: rounded(perElement.activation), elementwise: rounded(perElement.elementwise), norms: rounded(perElement.norms)),
            triadGigabytesPerSecond: rounded(bandwidth), attentionByTokens: byTokens)
    }

    /// The machine at hand, as a profile records it (threads: OpenBLAS's current count).
    public static func thisMachine() -> MachineProfile.Machine {
        MachineProfile.Machine(cpu: cpuModel(), flags: relevantFlags(OpenBLASCore.cpuFlags()), threads: BLASThreads.count,
                               blasCore: BLASThreads.coreName, int8Kernel: Int8GEMM.capability.description)
    }

    /// The flags Pare's kernels (OpenBLAS, oneDNN, the vectorised C and Swift loops) choose by.
    static func relevantFlags(_ flags: Set<String>) -> [String] {
        flags.filter { $0.hasPrefix("avx") || $0.hasPrefix("amx") || $0 == "fma" || $0 == "f16c" }.sorted()
    }

    static func cpuModel() -> String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
              let colon = line.firstIndex(of: ":") else { return "unknown CPU" }
        return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }

    static func today() -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd"
        return f.string(from: Date())
    }

    /// Four significant digits: the figures are noisy beyond that, and the file reads better.
    static func rounded(_ x: Double) -> Double {
        guard x > 0, x.isFinite else { return x }
        let scale = Foundation.pow(10, 3 - Foundation.floor(Foundation.log10(x)))
        return (x * scale).rounded() / scale
    }

    /// GFLOP/s (GOP/s) of C [m, n] = A [m, k] · Bᵀ, B [n, k] at every point of the grid, f32 and
    /// (when `int8`) int8, flattened [m][n][k]. B (the weight) is taken at moving offsets of a pool
    /// larger than the caches, so each call reads it from memory as a forward pass reads its
    /// weights; A (the activations, just written by the previous step there) stays in cache.
    /// The points are timed round-robin, `rounds` rounds after one to warm up and size the
    /// batches (≥ 3 ms each), each batch followed by the reference; a point's time is the median
    /// of its ratios to the reference times the reference's quiet time.
    static func gemmRates(m: [Int], n: [Int], k: [Int], int8: Bool, rounds: Int, reference: Reference) -> (f32: [Double], int8: [Double]?) {
        let shapes = m.flatMap { m in n.flatMap { n in k.map { k in (m: m, n: n, k: k) } } }
        let largest = shapes.map { max($0.m * $0.k, $0.n * $0.k) }.max() ?? 1, c = shapes.map { $0.m * $0.n }.max() ?? 1
        let pool = (16 << 20) + largest
        let a = (0..<pool).map { Float(Int32($0 % 251) - 125) * 0.01 }, b = (0..<pool).map { Float(Int32($0 % 241) - 120) * 0.01 }
        let codes = (0..<(int8 ? pool : 0)).map { UInt8($0 % 127) }, weights = (0..<(int8 ? pool : 0)).map { Int8(Int32($0 % 127) - 63) }
        var y = [Float](repeating: 0, count: c), accumulators = [Int32](repeating: 0, count: c)
        var calls = [Int](repeating: 1, count: 2 * shapes.count), ratios = [[Double]](repeating: [], count: 2 * shapes.count)
        var offset = 0
        /// The next offset of `size` elements in the pool, 64-byte aligned.
        func next(_ size: Int) -> Int {
            offset = (offset + size + 16) % max(pool - size, 1)
            return offset - offset % 16
        }
        a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in codes.withUnsafeBufferPointer { q in weights.withUnsafeBufferPointer { w in
        y.withUnsafeMutableBufferPointer { y in accumulators.withUnsafeMutableBufferPointer { acc in
            for round in 0...max(1, rounds) {
                for (index, s) in shapes.enumerated() {
                    for precision in int8 ? [0, 1] : [0] {
                        let slot = precision * shapes.count + index
                        let start = ContinuousClock.now
                        for _ in 0..<calls[slot] {
                            let i = 0, j = next(s.n * s.k)
                            if precision == 0 {
                                GEMM.multiply(a.baseAddress! + i, b.baseAddress! + j, into: y.baseAddress!, m: s.m, n: s.n, k: s.k, transposeB: true)
                            } else {
                                Int8GEMM.multiply(q.baseAddress! + i, lda: s.k, w.baseAddress! + j, ldb: s.k, into: acc.baseAddress!, ldc: s.n,
                                                  m: s.m, n: s.n, k: s.k)
                            }
                        }
                        let seconds = (ContinuousClock.now - start).inSeconds / Double(calls[slot])
                        if round == 0 { calls[slot] = max(1, Int((0.003 / max(seconds, 1e-7)).rounded(.up))) }
                        else { ratios[slot].append(seconds / max(reference.time(), 1e-9)) }
                    }
                }
            }
        } } } } } }
        let flops = shapes.map { 2 * Double($0.m) * Double($0.n) * Double($0.k) / 1e9 }
        let rates = ratios.indices.map { flops[$0 % shapes.count] / (Bench.median(ratios[$0]) * reference.quietSeconds) }
        return (Array(rates[0..<shapes.count]), int8 ? Array(rates[shapes.count...]) : nil)
    }
}

extension MachineProfiler {
    /// What `pare machine-profile` prints after writing `profile` to `path`.
    public static func text(_ profile: MachineProfile, path: String) -> String {
        let rates = profile.rates, m = profile.machine
        return [
            "\(path): machine profile of \(m.cpu), \(m.threads) thread\(m.threads == 1 ? "" : "s")",
            "f32 GEMM       \(Format.fixed(profile.f32UnitGflops, 1)) GFLOP/s at 1024 × 384 → 1536, the unit of the cost model (OpenBLAS \(m.blasCore))",
            "int8 GEMM      " + (profile.gemm.int8 == nil ? "unavailable: int8 linears run in f32"
                : "\(Format.fixed(rates.int8GEMM, 2))× the f32 rate at 1024 × 384 → 1536 (\(m.int8Kernel))"),
            "per element    quantize \(Format.fixed(rates.quantize, 0)), dequantize \(Format.fixed(rates.dequantize, 0)), "
                + "softmax \(Format.fixed(rates.softmax, 0)), activation \(Format.fixed(rates.activation, 0)), "
                + "elementwise \(Format.fixed(rates.elementwise, 0)), norms \(Format.fixed(rates.norms, 0)) (f32-GEMM FLOPs at the unit rate)",
            "attention GEMM \(Format.fixed(profile.attentionGemmGflops, 1)) GFLOP/s at 128 tokens"
                + (profile.attentionByTokens.map { a in
                    " (" + zip(a.tokens, a.gemm).map { "\($0.0): \(Format.fixed($0.1, 1))" }.joined(separator: ", ") + ")" } ?? "")
                + "; STREAM triad \(Format.fixed(profile.triadGigabytesPerSecond, 1)) GB/s",
        ].joined(separator: "\n") + "\n"
    }
}
