import CBLAS
import Foundation

/// OpenBLAS (DYNAMIC_ARCH) picks its kernel family from CPUID when the library loads. On a CPU
/// it does not recognise, such as a VM that reports a generic "Intel(R) Xeon(R) Processor", it
/// falls back to Prescott (SSE3): measured here, MiniLM's forward pass takes 422 ms with Prescott
/// and 135 ms with SkylakeX on the same machine. `OPENBLAS_CORETYPE` overrides the choice, but
/// only before the library loads, so `pare` re-executes itself once with it set.
public enum OpenBLASCore {
    /// The family OpenBLAS chose at load (e.g. `Prescott`, `Haswell`, `SkylakeX`).
    public static var current: String { BLASThreads.coreName }

    /// The family to ask for instead of `current`, from the CPU's feature flags (as in
    /// /proc/cpuinfo, read only after a fallback); nil when OpenBLAS did not fall back or the CPU
    /// has nothing better.
    public static func better(than current: String, flags readFlags: @autoclosure () -> Set<String>) -> String? {
        guard current == "Prescott" else { return nil }
        let flags = readFlags()
        if ["avx512f", "avx512dq", "avx512bw", "avx512vl"].allSatisfy(flags.contains) { return "SkylakeX" }
        if ["avx2", "fma"].allSatisfy(flags.contains) { return "Haswell" }
        return nil
    }

    /// The flags of the first CPU in /proc/cpuinfo (empty elsewhere).
    public static func cpuFlags() -> Set<String> {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              let colon = line.firstIndex(of: ":") else { return [] }
        return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
    }

    /// Re-executes this process once with the environment its two thread pools need, when
    /// something is missing; does nothing when exec fails (it keeps running as it is):
    /// - `OPENBLAS_CORETYPE`, when OpenBLAS fell back to a generic family and the CPU supports a
    ///   better one (unless the user set it);
    /// - `GOMP_SPINCOUNT=5000`, unless the user set it or `OMP_WAIT_POLICY`: libgomp's workers
    ///   spin 300 000 iterations after each parallel region by default, on the core that OpenBLAS's
    ///   next sgemm and the main thread need (MiniLM int8, 8 × 128, 2 threads: the attention-score
    ///   sgemms took 36 ms instead of 12 ms per batch); sleeping at once (`PASSIVE`) makes every
    ///   one of oneDNN's parallel regions wait for a wake-up instead (BERT-base int8: the int8
    ///   GEMMs ran at 56% of their speed alone). A short spin measured best on both: BERT-base
    ///   int8 322–336 ms against 383–460 passive and 332–426 at 20 000–100 000; MiniLM 66–72 ms
    ///   against 86–88 passive. Both libraries read these variables only when they load, before
    ///   `main`, hence the exec.
    public static func relaunchWithBetterKernelsIfNeeded() {
        let environment = ProcessInfo.processInfo.environment
        var changes: [(String, String)] = []
        if environment["OPENBLAS_CORETYPE"] == nil, let family = better(than: current, flags: cpuFlags()) {
            changes.append(("OPENBLAS_CORETYPE", family))
        }
        if environment["GOMP_SPINCOUNT"] == nil, environment["OMP_WAIT_POLICY"] == nil {
            changes.append(("GOMP_SPINCOUNT", "5000"))
        }
        guard !changes.isEmpty else { return }
        for (name, value) in changes { setenv(name, value, 1) }
        let arguments = CommandLine.arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", arguments)
        // exec failed: keep running with what the libraries chose.
    }
}
