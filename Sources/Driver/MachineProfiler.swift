import Dispatch
import Foundation
import Kernels
import ModelIR
import TensorCore

/// `pare machine-profile`: measures on this CPU every rate the runtime cost model prices
/// (`MachineProfile`), with the kernels the runtime calls and in the way it calls them (GEMMs on
/// all BLAS threads with weights cycled so they come from memory as in a forward pass; attention
/// per sample on one thread each; LayerNorm on one thread; the other passes split by rows).
/// Each figure is the median of `repeats` timings of a batch of calls lasting at least 5 ms.
/// Takes about 10–20 s on two cores.
public enum MachineProfiler {
    public struct Options: Sendable {
        /// Threads to measure on; nil = every core (what `pare bench` and `pare run` use).
        public var threads: Int?
        public var repeats: Int

        public init(threads: Int? = nil, repeats: Int = 5) {
            self.threads = threads
            self.repeats = repeats
        }
    }

    public static func measure(options: Options = .init(), progress: (String) -> Void = { _ in }) -> MachineProfile {
        BLASThreads.count = options.threads ?? ProcessInfo.processInfo.activeProcessorCount
        let r = options.repeats
        progress("GEMMs (f32)")
        let grid = GEMMRateTable.standardGrid
        var f32: [Double] = [], int8: [Double]? = Int8GEMM.capability.activationMaximum == nil ? nil : []
        for m in grid.m { for n in grid.n { for k in grid.k { f32.append(gemmRate(m: m, n: n, k: k, int8: false, repeats: r)) } } }
        if int8 != nil {
            progress("GEMMs (int8)")
            for m in grid.m { for n in grid.n { for k in grid.k { int8!.append(gemmRate(m: m, n: n, k: k, int8: true, repeats: r)) } } }
        }
        progress("attention, softmax, norms, activations")
        let perElement = MachineProfile.PerElement(
            quantize: quantizeTime(repeats: r), dequantize: dequantizeTime(repeats: r), softmax: softmaxTime(repeats: r),
            activation: activationTime(repeats: r), elementwise: biasTime(repeats: r), norms: normsTime(repeats: r))
        let attention = attentionRate(repeats: r)
        progress("memory bandwidth")
        let bandwidth = triadBandwidth(repeats: r)
        progress("")
        return MachineProfile(
            machine: thisMachine(), measuredOn: today(),
            gemm: GEMMRateTable(m: grid.m, n: grid.n, k: grid.k, f32: f32.map(rounded), int8: int8?.map(rounded)),
            attentionGemmGflops: rounded(attention), nanosecondsPerElement: .init(
                quantize: rounded(perElement.quantize), dequantize: rounded(perElement.dequantize), softmax: rounded(perElement.softmax),
                activation: rounded(perElement.activation), elementwise: rounded(perElement.elementwise), norms: rounded(perElement.norms)),
            triadGigabytesPerSecond: rounded(bandwidth))
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

    /// Median seconds per call of `body`, each timing a batch of calls lasting ≥ 5 ms.
    static func secondsPerCall(repeats: Int, _ body: (Int) -> Void) -> Double {
        var start = ContinuousClock.now
        body(0)
        let once = max((ContinuousClock.now - start).inSeconds, 1e-7)
        let calls = max(1, Int((0.005 / once).rounded(.up)))
        var times: [Double] = []
        var call = 1
        for _ in 0..<max(1, repeats) {
            start = ContinuousClock.now
            for _ in 0..<calls { body(call); call += 1 }
            times.append((ContinuousClock.now - start).inSeconds / Double(calls))
        }
        return Bench.median(times)
    }

    /// GFLOP/s (GOP/s) of C [m, n] = A [m, k] · Bᵀ, B [n, k], cycling through copies of A and B
    /// that together exceed 64 MiB, so each call reads them from memory as a forward pass does.
    static func gemmRate(m: Int, n: Int, k: Int, int8: Bool, repeats: Int) -> Double {
        let bytes = (m * k + n * k) * (int8 ? 1 : 4)
        let copies = max(1, min(16, (64 << 20) / max(bytes, 1)))
        var rng = SplitMix64(seed: 7)
        let seconds: Double
        if int8 {
            let a = (0..<(m * k * copies)).map { _ in UInt8.random(in: 0...127, using: &rng) }
            let b = (0..<(n * k * copies)).map { _ in Int8.random(in: -63...63, using: &rng) }
            var c = [Int32](repeating: 0, count: m * n)
            seconds = a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    c.withUnsafeMutableBufferPointer { c in
                        secondsPerCall(repeats: repeats) { i in
                            let j = i % copies
                            Int8GEMM.multiply(a.baseAddress! + j * m * k, lda: k, b.baseAddress! + j * n * k, ldb: k,
                                              into: c.baseAddress!, ldc: n, m: m, n: n, k: k)
                        }
                    }
                }
            }
        } else {
            let a = (0..<(m * k * copies)).map { _ in Float.random(in: -1...1, using: &rng) }
            let b = (0..<(n * k * copies)).map { _ in Float.random(in: -1...1, using: &rng) }
            var c = [Float](repeating: 0, count: m * n)
            seconds = a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    c.withUnsafeMutableBufferPointer { c in
                        secondsPerCall(repeats: repeats) { i in
                            let j = i % copies
                            GEMM.multiply(a.baseAddress! + j * m * k, b.baseAddress! + j * n * k, into: c.baseAddress!,
                                          m: m, n: n, k: k, transposeB: true)
                        }
                    }
                }
            }
        }
        return 2 * Double(m) * Double(n) * Double(k) / seconds / 1e9
    }
}

extension MachineProfiler {
    /// What `pare machine-profile` prints after writing `profile` to `path`.
    public static func text(_ profile: MachineProfile, path: String) -> String {
        let rates = profile.rates, m = profile.machine
        return [
            "\(path): machine profile of \(m.cpu), \(m.threads) thread\(m.threads == 1 ? "" : "s")",
            "f32 GEMM peak  \(Format.fixed(profile.f32PeakGflops, 1)) GFLOP/s (OpenBLAS \(m.blasCore))",
            "int8 GEMM      " + (profile.gemm.int8 == nil ? "unavailable: int8 linears run in f32"
                : "\(Format.fixed(rates.int8GEMM, 2))× the f32 rate at 1024 × 384 → 1536 (\(m.int8Kernel))"),
            "per element    quantize \(Format.fixed(rates.quantize, 0)), dequantize \(Format.fixed(rates.dequantize, 0)), "
                + "softmax \(Format.fixed(rates.softmax, 0)), activation \(Format.fixed(rates.activation, 0)), "
                + "elementwise \(Format.fixed(rates.elementwise, 0)), norms \(Format.fixed(rates.norms, 0)) (f32-GEMM FLOPs at the peak)",
            "attention GEMM \(Format.fixed(profile.attentionGemmGflops, 1)) GFLOP/s; STREAM triad \(Format.fixed(profile.triadGigabytesPerSecond, 1)) GB/s",
        ].joined(separator: "\n") + "\n"
    }
}
