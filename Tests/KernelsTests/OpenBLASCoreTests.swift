import Testing
@testable import Kernels

@Suite struct OpenBLASCoreTests {
    @Test func asksForTheBestFamilyTheFlagsAllowOnlyAfterAFallback() {
        let avx512: Set = ["sse3", "avx2", "fma", "avx512f", "avx512dq", "avx512bw", "avx512vl"]
        #expect(OpenBLASCore.better(than: "Prescott", flags: avx512) == "SkylakeX")
        #expect(OpenBLASCore.better(than: "Prescott", flags: ["sse3", "avx2", "fma"]) == "Haswell")
        #expect(OpenBLASCore.better(than: "Prescott", flags: ["sse3", "avx"]) == nil)
        #expect(OpenBLASCore.better(than: "Haswell", flags: avx512) == nil, "OpenBLAS's own choice stands")
    }

    @Test func readsThisMachinesFlags() {
        // Every x86-64 CPU has SSE2; elsewhere there is no /proc/cpuinfo flags line to read.
        let flags = OpenBLASCore.cpuFlags()
        #expect(flags.isEmpty || flags.contains("sse2"))
    }
}
