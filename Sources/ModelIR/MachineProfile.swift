/// The rates of one CPU, measured by `pare machine-profile` (schemas/machine-profile.schema.json):
/// absolute figures of Pare's kernels on this machine, from which `rates` derives the
/// `KernelRates` the runtime cost model prices with. Data only: measuring and reading files is the
/// Driver's.
///
/// Units: GEMM rates in GFLOP/s (int8: GOP/s, a multiply-add counting 2); per-element passes in
/// nanoseconds per element; bandwidth in GB/s (10⁹ bytes). A rate in f32-GEMM FLOPs is then
/// t·P, with t seconds per element and P the f32 rate of the unit shape (`unitShape`) in FLOP/s.
public struct MachineProfile: Codable, Sendable, Equatable {
    /// Version of this layout; bumped when a field changes meaning or disappears.
    public static let currentFormat = 1

    public var format: Int
    public var machine: Machine
    /// UTC date of the measurement, YYYY-MM-DD.
    public var measuredOn: String
    /// GEMMs by shape, absolute rates (`GEMMRateTable.standardGrid`).
    public var gemm: GEMMRateTable
    /// Q·Kᵀ and P·V, one small GEMM per head (128 tokens, d_h 32 and 64), GFLOP/s.
    public var attentionGemmGflops: Double
    /// The same products and the softmax at several sequence lengths (GFLOP/s, ns per
    /// probability); absent in profiles written before it was measured, which price every
    /// length at `attentionGemmGflops` and `nanosecondsPerElement.softmax`.
    public var attentionByTokens: AttentionRates? = nil
    public var nanosecondsPerElement: PerElement
    /// STREAM triad a[i] = b[i] + s·c[i] on arrays far larger than the caches, 12 bytes per
    /// element (f32), all threads: what decoding (weights read once per token) is bound by.
    public var triadGigabytesPerSecond: Double

    /// The CPU a profile was measured on.
    public struct Machine: Codable, Sendable, Equatable {
        /// `model name` of /proc/cpuinfo.
        public var cpu: String
        /// The CPU flags Pare's kernels care about (AVX2, FMA, AVX-512 subsets, VNNI, AMX), sorted.
        public var flags: [String]
        /// Threads the kernels ran on (OpenBLAS and oneDNN).
        public var threads: Int
        /// OpenBLAS's kernel family (`openblas_get_corename`).
        public var blasCore: String
        /// The int8 kernel (`Int8GEMM.capability`).
        public var int8Kernel: String

        public init(cpu: String, flags: [String], threads: Int, blasCore: String, int8Kernel: String) {
            self.cpu = cpu
            self.flags = flags
            self.threads = threads
            self.blasCore = blasCore
            self.int8Kernel = int8Kernel
        }

        /// How `other` (the machine at hand) differs from this one, as phrases; empty when alike.
        public func differences(from other: Machine) -> [String] {
            var out: [String] = []
            if cpu != other.cpu { out.append("CPU \"\(cpu)\", this machine has \"\(other.cpu)\"") }
            if flags != other.flags {
                let missing = Set(flags).subtracting(other.flags).sorted(), extra = Set(other.flags).subtracting(flags).sorted()
                out.append("CPU flags differ (" + [missing.isEmpty ? nil : "only the profile's: " + missing.joined(separator: " "),
                                                     extra.isEmpty ? nil : "only this machine's: " + extra.joined(separator: " ")]
                    .compactMap { $0 }.joined(separator: "; ") + ")")
            }
            if threads != other.threads { out.append("measured on \(threads) thread\(threads == 1 ? "" : "s"), running on \(other.threads)") }
            return out
        }
    }

    /// Nanoseconds per element of the passes the cost model prices per element.
    public struct PerElement: Codable, Sendable, Equatable {
        /// Per input element of an int8 linear: per-token range, scale, rounding to u8 codes.
        public var quantize: Double
        /// Per output element: int32 accumulators → f32 (zero point, scales, bias).
        public var dequantize: Double
        /// Per attention probability: max, exp, sum and scale over rows of 128.
        public var softmax: Double
        /// Per MLP activation element (GELU, erf form).
        public var activation: Double
        /// Per element of a bias add.
        public var elementwise: Double
        /// Per hidden element of a token: a block's two residual adds and LayerNorms.
        public var norms: Double

        public init(quantize: Double, dequantize: Double, softmax: Double, activation: Double, elementwise: Double, norms: Double) {
            self.quantize = quantize
            self.dequantize = dequantize
            self.softmax = softmax
            self.activation = activation
            self.elementwise = elementwise
            self.norms = norms
        }

        var all: [(String, Double)] {
            [("quantize", quantize), ("dequantize", dequantize), ("softmax", softmax), ("activation", activation),
             ("elementwise", elementwise), ("norms", norms)]
        }
    }

    public init(format: Int = MachineProfile.currentFormat, machine: Machine, measuredOn: String, gemm: GEMMRateTable,
                attentionGemmGflops: Double, nanosecondsPerElement: PerElement, triadGigabytesPerSecond: Double,
                attentionByTokens: AttentionRates? = nil) {
        self.format = format
        self.machine = machine
        self.measuredOn = measuredOn
        self.gemm = gemm
        self.attentionGemmGflops = attentionGemmGflops
        self.nanosecondsPerElement = nanosecondsPerElement
        self.triadGigabytesPerSecond = triadGigabytesPerSecond
        self.attentionByTokens = attentionByTokens
    }

    /// The shape whose f32 rate is the unit P: m = 1024, n = 1536, k = 384 (MiniLM's FFN up on
    /// 8 × 128 tokens), the shape of the reference sgemm every figure is timed against. A single
    /// measured shape rather than the fastest grid point, whose maximum a noisy run inflates.
    public static let unitShape = (m: 1024, n: 1536, k: 384)

    /// P, GFLOP/s: the f32 rate at `unitShape` (interpolated when the grid lacks it).
    public var f32UnitGflops: Double {
        gemm.rate(gemm.f32, m: Self.unitShape.m, n: Self.unitShape.n, k: Self.unitShape.k)
    }

    /// The cost model's rates on this machine, in f32-GEMM FLOPs at P: per element t·P (t in
    /// seconds), GEMMs by shape relative to P, attention GEMMs P / rate per FLOP; `int8GEMM` (for
    /// display; the table prices int8 GEMMs) is the int8/f32 ratio at the unit shape.
    public var rates: KernelRates {
        let unit = f32UnitGflops, e = nanosecondsPerElement
        let table = gemm.scaled(by: unit)
        let (m, n, k) = Self.unitShape
        let int8Ratio = table.int8.map { table.rate($0, m: m, n: n, k: k) / table.rate(table.f32, m: m, n: n, k: k) }
        return KernelRates(
            int8GEMM: int8Ratio ?? 1, quantize: e.quantize * unit, dequantize: e.dequantize * unit,
            attentionGEMM: unit / attentionGemmGflops, softmax: e.softmax * unit, activation: e.activation * unit,
            elementwise: e.elementwise * unit, norms: e.norms * unit, halfEfficiencyRank: KernelRates.reference.halfEfficiencyRank,
            gemm: table,
            attention: attentionByTokens.map { AttentionRates(tokens: $0.tokens, gemm: $0.gemm.map { unit / $0 }, softmax: $0.softmax.map { $0 * unit }) })
    }

    /// What is wrong with the profile's figures, or nil: the first problem found.
    public var problem: String? {
        guard format == Self.currentFormat else {
            return "format \(format) is not the format this Pare reads (\(Self.currentFormat))"
        }
        if machine.threads < 1 { return "machine.threads must be at least 1" }
        if let p = gemm.problem { return p }
        if let p = attentionByTokens?.problem { return p }
        for (name, value) in [("attention_gemm_gflops", attentionGemmGflops), ("triad_gigabytes_per_second", triadGigabytesPerSecond)]
            + nanosecondsPerElement.all.map({ ("nanoseconds_per_element.\($0.0)", $0.1) })
        where !(value > 0 && value.isFinite) {
            return "\(name) is \(value); it must be a positive number"
        }
        return nil
    }

    /// What a report says about the machine its runtime cost was priced for.
    public var summary: Summary { Summary(profile: "", cpu: machine.cpu, threads: machine.threads, measuredOn: measuredOn) }

    /// The profile a report priced with: its file name (never a path) or "built-in reference",
    /// and the machine it describes.
    public struct Summary: Codable, Sendable, Equatable {
        public var profile: String
        public var cpu: String
        public var threads: Int
        /// nil for the built-in reference.
        public var measuredOn: String?

        public init(profile: String, cpu: String, threads: Int, measuredOn: String?) {
            self.profile = profile
            self.cpu = cpu
            self.threads = threads
            self.measuredOn = measuredOn
        }

        /// One line for text reports: `machine.json (Intel Xeon, 2 threads, measured 2026-12-07)`.
        public var line: String {
            let what = "\(cpu), \(threads) thread\(threads == 1 ? "" : "s")" + (measuredOn.map { ", measured \($0)" } ?? "")
            return measuredOn == nil ? "the built-in reference profile (\(what))" : "machine profile \(profile) (\(what))"
        }
    }
}
