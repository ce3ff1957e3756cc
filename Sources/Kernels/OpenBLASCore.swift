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

    /// Re-executes this process with `OPENBLAS_CORETYPE` set when OpenBLAS fell back to a generic
    /// family and the CPU supports a better one. Does nothing when the variable is already set
    /// (the user's choice, or the re-executed process) or when exec fails.
    public static func relaunchWithBetterKernelsIfNeeded() {
        guard ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil,
              let family = better(than: current, flags: cpuFlags()) else { return }
        setenv("OPENBLAS_CORETYPE", family, 1)
        let arguments = CommandLine.arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", arguments)
        // exec failed: keep running with the kernels OpenBLAS chose.
    }
}
