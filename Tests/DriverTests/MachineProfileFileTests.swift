import Foundation
import JSON
import Testing
import ModelIR
@testable import Driver

/// `pare machine-profile`'s file: written and read back unchanged (oracle: the value written),
/// in the layout schemas/machine-profile.schema.json describes, malformed files refused with the
/// project's error text, another machine's profile used with a warning, and the report naming
/// the profile it priced with. Figures are never checked here (no timing in unit tests).
@Suite struct MachineProfileFileTests {
    let directory = InspectTests.temporaryDirectory("pare-machine")

    static let machine = MachineProfile.Machine(cpu: "Test CPU", flags: ["avx2", "fma"], threads: 2, blasCore: "Haswell",
                                                int8Kernel: "oneDNN avx2")

    static func profile() -> MachineProfile {
        let g = GEMMRateTable.standardGrid
        var f32: [Double] = [], int8: [Double] = []
        for m in g.m { for n in g.n { for k in g.k {
            let rate = 150 * Double(m) / Double(m + 64) * Double(min(n, k)) / Double(min(n, k) + 32)
            f32.append(MachineProfiler.rounded(rate))
            int8.append(MachineProfiler.rounded(1.5 * rate))
        } } }
        return MachineProfile(machine: machine, measuredOn: "2026-12-07", gemm: GEMMRateTable(m: g.m, n: g.n, k: g.k, f32: f32, int8: int8),
                              attentionGemmGflops: 45.5,
                              nanosecondsPerElement: .init(quantize: 0.31, dequantize: 0.42, softmax: 1.1, activation: 0.65, elementwise: 0.12, norms: 1.4),
                              triadGigabytesPerSecond: 21.25,
                              attentionByTokens: AttentionRates(tokens: [16, 128, 512], gemm: [12.5, 45.5, 60.25], softmax: [2.5, 1.1, 1.05]))
    }

    @Test func roundTripsThroughItsFile() throws {
        let path = directory + "/sub/machine.json"
        try PricingMachine.write(Self.profile(), to: path)
        #expect(try PricingMachine.read(path) == Self.profile())
        // Deterministic layout: the same profile, the same bytes.
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text == PricingMachine.text(Self.profile()))
        #expect(text.hasPrefix("{\n  \"attention_by_tokens\" : {\n    \"gemm\" : [\n      12.5,\n"))
        #expect(text.contains("\n  \"attention_gemm_gflops\" : 45.5,\n  \"format\" : 1,\n"))
    }

    @Test func fileHasTheSchemasKeys() throws {
        let schemaPath = InspectTests.repository + "/schemas/machine-profile.schema.json"
        let schema = try #require(try JSONParser.parse(contentsOf: schemaPath))
        let value = try JSONParser.parse(PricingMachine.text(Self.profile()))
        func keys(_ v: JSONValue?) -> [String] { if case let .object(o)? = v { return o.map(\.key).sorted() } else { return [] } }
        func member(_ v: JSONValue?, _ key: String) -> JSONValue? {
            if case let .object(o)? = v { return o.first { $0.key == key }?.value } else { return nil }
        }
        func required(_ s: JSONValue) -> [String] {
            guard case let .array(items)? = member(s, "required") else { return [] }
            return items.compactMap { if case let .string(k) = $0 { k } else { nil } }.sorted()
        }
        // Every key but the optional attention table (profiles written before it lack it) is required.
        #expect(keys(value) == (required(schema) + ["attention_by_tokens"]).sorted())
        let properties = member(schema, "properties")
        #expect(keys(properties) == keys(value))
        for nested in ["machine", "nanoseconds_per_element", "attention_by_tokens"] {
            let sub = try #require(member(properties, nested))
            #expect(keys(member(value, nested)) == required(sub), "\(nested)")
        }
        #expect(keys(member(value, "gemm")) == ["f32", "int8", "k", "m", "n"])
    }

    @Test func malformedProfilesAreRefused() throws {
        let path = directory + "/bad.json"
        let todo = "run `pare machine-profile -o \(path)` to measure it again"
        try "{ \"format\": 1 ".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: DriverError.self) { try PricingMachine.read(path) }
        do { _ = try PricingMachine.read(path) } catch {
            #expect(error.description.hasPrefix("\(path): not a machine profile: invalid JSON ("))
            #expect(error.description.hasSuffix("; " + todo))
        }
        try "{\"format\": 1}".write(toFile: path, atomically: true, encoding: .utf8)
        do { _ = try PricingMachine.read(path) } catch {
            #expect(error.description.hasPrefix("\(path): not a machine profile ("))
        }
        var p = Self.profile()
        p.gemm.f32.removeLast()
        try PricingMachine.write(p, to: path)
        #expect(throws: DriverError.input(path: path, "malformed machine profile: gemm.f32 has 47 rates for 48 grid points", todo)) {
            try PricingMachine.read(path)
        }
        #expect(throws: DriverError.input(path: directory + "/none.json", "cannot read the machine profile",
                                          "check the path, or run `pare machine-profile -o \(directory)/none.json` to measure it again")) {
            try PricingMachine.resolve(directory + "/none.json", machine: Self.machine)
        }
    }

    @Test func anotherMachinesProfileIsUsedWithAWarning() throws {
        let path = directory + "/other.json"
        try PricingMachine.write(Self.profile(), to: path)
        let same = try PricingMachine.resolve(path, machine: Self.machine)
        #expect(same.warnings.isEmpty && same.rates == Self.profile().rates)
        #expect(same.summary == MachineProfile.Summary(profile: "other.json", cpu: "Test CPU", threads: 2, measuredOn: "2026-12-07"))
        var here = Self.machine
        here.cpu = "Other CPU"
        here.flags = ["avx2", "avx512f", "fma"]
        here.threads = 4
        let other = try PricingMachine.resolve(path, machine: here)
        #expect(other.rates == Self.profile().rates)
        #expect(other.warnings == [
            "\(path): this profile was measured on another machine or thread count (CPU \"Test CPU\", this machine has \"Other CPU\"; "
                + "CPU flags differ (only this machine's: avx512f); measured on 2 threads, running on 4); "
                + "its rates are used as they are, run `pare machine-profile` here for figures of this machine",
        ])
    }

    @Test func defaultLocationFollowsXDG() throws {
        #expect(PricingMachine.defaultPath(environment: ["XDG_CACHE_HOME": "/x/cache", "HOME": "/home/u"]) == "/x/cache/pare/machine.json")
        #expect(PricingMachine.defaultPath(environment: ["XDG_CACHE_HOME": "", "HOME": "/home/u"]) == "/home/u/.cache/pare/machine.json")
        // Nothing at the default location: the built-in reference.
        #expect(try PricingMachine.resolve(nil, machine: Self.machine, environment: ["XDG_CACHE_HOME": directory + "/empty"]) == .reference)
        try PricingMachine.write(Self.profile(), to: directory + "/cache/pare/machine.json")
        let found = try PricingMachine.resolve(nil, machine: Self.machine, environment: ["XDG_CACHE_HOME": directory + "/cache"])
        #expect(found.summary.profile == "machine.json" && found.rates == Self.profile().rates)
    }

    @Test func reportNamesTheProfile() throws {
        var options = Compile.Options(recipe: "int8-quantize{activations=dynamic}")
        let plain = try Compile.plan(model: InspectTests.fixtures + "/tiny-bert", options: options)
        #expect(plain.report.machine == KernelRates.referenceMachine)
        #expect(plain.report.markdown().contains("priced for the built-in reference profile (Intel Xeon VM with AVX-512 VNNI, 2 threads)"))
        let path = directory + "/m.json"
        try PricingMachine.write(Self.profile(), to: path)
        options.machine = try PricingMachine.resolve(path, machine: Self.machine)
        let priced = try Compile.plan(model: InspectTests.fixtures + "/tiny-bert", options: options)
        #expect(priced.report.markdown().contains("priced for machine profile m.json (Test CPU, 2 threads, measured 2026-12-07)"))
        #expect(priced.report.rates == Self.profile().rates && priced.report.totals.speedup != plain.report.totals.speedup)
    }
}
