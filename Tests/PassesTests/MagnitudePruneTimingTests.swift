import Foundation
import Testing
import HuggingFace
import ModelIR
import TensorCore
@testable import Passes
#if canImport(Glibc)
import Glibc
#endif

/// With `PARE_PRUNE_TIMING=1`, times `magnitude-prune` on all-MiniLM-L6-v2 and
/// bert-base-random (examples/models; skipped when missing) and prints seconds and the process's
/// peak RSS. Weights are copied into memory first, so page faults of the mapped file are not
/// counted. Not a pass/fail test beyond the counts. Run it in release:
///
///     swift build -c release --build-tests -Xswiftc -enable-testing
///     PARE_PRUNE_TIMING=1 swift test -c release -Xswiftc -enable-testing --skip-build --filter MagnitudePruneTimingTests
///
/// The Python peer: `scripts/fixtures/generate_prune.py --time` (torch l1_unstructured).
@Suite(.serialized) struct MagnitudePruneTimingTests {
    static let models = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples/models").path
    static let enabled = ProcessInfo.processInfo.environment["PARE_PRUNE_TIMING"] == "1"

    static func peakRSSMiB() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_maxrss) / 1024
    }

    /// CPU seconds of the whole process (all threads): the work, whatever else shares the cores.
    static func cpuSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    @Test(.enabled(if: enabled), arguments: ["all-MiniLM-L6-v2", "bert-base-random"])
    func timePerLinearAnd2of4(model name: String) async throws {
        let directory = Self.models + "/" + name
        guard FileManager.default.fileExists(atPath: directory + "/model.safetensors") else {
            print("\(name): missing, skipped")
            return
        }
        let mapped = try ModelImporter.model(directory: directory).graph
        let original = mapped.map { Tensor(dtype: $0.dtype, shape: $0.shape, bytes: $0.withUnsafeBytes { [UInt8]($0) }) }
        let weights = original.linears.filter { LayerGlob("blocks.**").matches($0.path) }.reduce(0) { $0 + $1.linear.inFeatures * $1.linear.outFeatures }
        print("\(name): \(weights) block weights, \(ProcessInfo.processInfo.activeProcessorCount) CPUs, peak RSS after load \(String(format: "%.0f", Self.peakRSSMiB())) MiB")
        for recipe in ["magnitude-prune", "magnitude-prune{pattern=2:4}", "magnitude-prune{scope=per-output}", "magnitude-prune{scope=global}"] {
            var times: [Double] = [], cpu: [Double] = []
            var counters: [String: Int] = [:]
            for _ in 0..<3 {
                var m = original
                let start = DispatchTime.now().uptimeNanoseconds, startCPU = Self.cpuSeconds()
                counters = try await PruneOracle.run(recipe, on: &m).counters
                times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
                cpu.append(Self.cpuSeconds() - startCPU)
                #expect(m.verify().isEmpty)
            }
            #expect(counters["weights-zeroed"] == weights / 2)
            print(String(format: "%@ %@: wall best %.3f s, median %.3f s; CPU best %.3f s; zeroed %d in %d linears; peak RSS %.0f MiB", name, recipe,
                         times.min()!, times.sorted()[1], cpu.min()!, counters["weights-zeroed"] ?? 0, counters["linears-pruned"] ?? 0, Self.peakRSSMiB()))
        }
    }
}
