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
    /// - `OMP_WAIT_POLICY=PASSIVE`, unless the user set it or `GOMP_SPINCOUNT`: after each oneDNN
    ///   int8 GEMM libgomp's workers spin for 300 000 iterations by default, on the core that
    ///   OpenBLAS's next sgemm and the main thread need. Measured on MiniLM int8, 8 × 128, 2 threads:
    ///   the attention-score sgemms took 36 ms instead of 12 ms per batch; passive workers sleep
    ///   at once (a forward pass has a few dozen int8 GEMMs, so their wake-ups cost well under
    ///   1 ms). Both libraries read these variables only when they load, before `main`, hence the exec.
    public static func relaunchWithBetterKernelsIfNeeded() {
        let environment = ProcessInfo.processInfo.environment
        var changes: [(String, String)] = []
        if environment["OPENBLAS_CORETYPE"] == nil, let family = better(than: current, flags: cpuFlags()) {
            changes.append(("OPENBLAS_CORETYPE", family))
        }
        if environment["GOMP_SPINCOUNT"] == nil, environment["OMP_WAIT_POLICY"] == nil {
            changes.append(("OMP_WAIT_POLICY", "PASSIVE"))
        }
        guard !changes.isEmpty else { return }
        for (name, value) in changes { setenv(name, value, 1) }
        let arguments = CommandLine.arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", arguments)
        // exec failed: keep running with what the libraries chose.
    }
}
