import Foundation
import Testing
@testable import FuzzTargets

/// The fuzz targets are wired to the parsers: every seed is accepted, damaged seeds are rejected
/// with an error (never a trap), and every input fuzzing once crashed on (fuzz/regressions) now
/// gets its typed error.
@Suite struct FuzzTargetTests {
    static let regressions = FuzzFixtures.repository + "/fuzz/regressions"

    @Test(arguments: FuzzTarget.allCases)
    func everySeedIsAccepted(target: FuzzTarget) async throws {
        let seeds = try await target.seeds()
        #expect(!seeds.isEmpty)
        for seed in seeds {
            #expect(target.run(seed.bytes) == .accepted, "\(target) seed \(seed.name)")
        }
    }

    /// Each seed cut short at 5 points and with 64 seeded single-byte changes: no trap, and
    /// the cut ones of binary formats are rejected (their framing declares their length).
    @Test(arguments: FuzzTarget.allCases)
    func damagedSeedsAreRejectedOrAcceptedNeverTrap(target: FuzzTarget) async throws {
        var random = SplitMix64(seed: 42)
        for seed in try await target.seeds() where !seed.bytes.isEmpty {
            for fraction in [0.0, 0.1, 0.5, 0.9, 0.999] {
                let cut = Array(seed.bytes.prefix(Int(Double(seed.bytes.count) * fraction)))
                let outcome = target.run(cut)
                if [.safetensors, .artifact, .manifest].contains(target) {
                    #expect(outcome != .accepted, "\(target) \(seed.name) cut to \(cut.count) bytes")
                }
            }
            for _ in 0..<64 {
                var damaged = seed.bytes
                let i = Int(random.next() % UInt64(damaged.count))
                damaged[i] = UInt8(truncatingIfNeeded: random.next())
                _ = target.run(damaged)
            }
        }
    }

    /// Inputs libFuzzer found crashes or timeouts on, one folder per target; each must now be
    /// rejected, except those named `accepted-…` (valid files that were too slow), which must
    /// be accepted.
    @Test(arguments: FuzzTarget.allCases)
    func foundCrashesAreNowTypedErrors(target: FuzzTarget) async throws {
        try await FuzzTarget.prepare()
        let directory = Self.regressions + "/" + target.rawValue
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for file in files.sorted() {
            let input = Array(try Data(contentsOf: URL(fileURLWithPath: directory + "/" + file)))
            if file.hasPrefix("accepted-") {
                #expect(target.run(input) == .accepted, "\(target) regression \(file)")
                continue
            }
            guard case let .rejected(message) = target.run(input) else {
                Issue.record("\(target) regression \(file) was accepted")
                continue
            }
            #expect(!message.isEmpty)
        }
    }
}

/// SplitMix64, for reproducible mutations.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
