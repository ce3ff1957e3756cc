import Foundation
import Testing

/// A compile killed at any point leaves nothing at the output path (or the complete artifact, if
/// it had finished); SIGKILL leaves at most its `<output>.tmp-<pid>`, which the next compile to
/// that output removes; SIGINT and SIGTERM remove it at once. Runs the built `pare` binary on
/// all-MiniLM-L6-v2 when it is there, else on tiny-bert. The recipe is `int8-quantize` alone (about
/// 4 s in a debug build), so that loading, the pass and the artifact write each take a good share
/// of the run and the whole suite stays under a minute.
@Suite(.serialized) struct KillSafetyTests {
    static let binary = CommandLineTests.binary
    static var model: String {
        let miniLM = InspectTests.repository + "/examples/models/all-MiniLM-L6-v2"
        return FileManager.default.fileExists(atPath: miniLM + "/model.safetensors") ? miniLM : InspectTests.fixtures + "/tiny-bert"
    }

    static func directory() throws -> String {
        let d = NSTemporaryDirectory() + "pare-kill-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    /// Starts a compile to `output` and sends `sig` after `delay` seconds (if it still runs).
    static func compile(to output: String, killWith sig: Int32?, after delay: Double) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["compile", model, "--recipe", "int8-quantize", "-o", output]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        if let sig {
            Thread.sleep(forTimeInterval: delay)
            if process.isRunning { kill(process.processIdentifier, sig) }
        }
        process.waitUntilExit()
        return process
    }

    static func files(_ directory: String) throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: directory).sorted() }

    /// The output is absent or a complete artifact (`pare verify` passes).
    static func expectNothingPartial(_ output: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        guard FileManager.default.fileExists(atPath: output) else { return }
        let verify = Process()
        verify.executableURL = URL(fileURLWithPath: binary)
        verify.arguments = ["verify", output]
        verify.standardOutput = FileHandle.nullDevice
        verify.standardError = FileHandle.nullDevice
        try verify.run()
        verify.waitUntilExit()
        #expect(verify.terminationStatus == 0, "a partial artifact at \(output)", sourceLocation: sourceLocation)
    }

    /// Seconds a complete compile takes here, so that kills land early, midway and in the final
    /// write (the last few percent of the run).
    static let duration: Double = {
        let dir = try! directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let start = Date()
        _ = try! compile(to: dir + "/m.pare", killWith: nil, after: 0)
        return Date().timeIntervalSince(start)
    }()

    static var delays: [Double] { [0.3, 0.6, 0.85, 0.95].map { $0 * duration } }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: KillSafetyTests.binary)))
    func sigkillAtSeveralPointsLeavesNothingPartialAndTheNextCompileCleansUp() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let output = dir + "/m.pare"
        var killedLast: Int32 = 0
        for delay in Self.delays {
            try? FileManager.default.removeItem(atPath: output)
            let killed = try Self.compile(to: output, killWith: SIGKILL, after: delay)
            killedLast = killed.processIdentifier
            try Self.expectNothingPartial(output)
            // What may remain is the recognisable temporary of the killed process, nothing else.
            let left = try Self.files(dir).filter { $0 != "m.pare" }
            #expect(left.allSatisfy { $0 == "m.pare.tmp-\(killed.processIdentifier)" }, "after \(delay) s: \(left)")
        }
        // A complete compile to the same output removes every stale temporary: those the kills
        // left, and one planted for a process that is gone for sure (the last killed one); a
        // temporary of a live process (this test's) is another writer's and stays.
        let planted = "m.pare.tmp-\(killedLast)", live = "m.pare.tmp-\(getpid())"
        for name in [planted, live] { FileManager.default.createFile(atPath: dir + "/" + name, contents: Data([1, 2, 3])) }
        let finished = try Self.compile(to: output, killWith: nil, after: 0)
        #expect(finished.terminationStatus == 0)
        #expect(try Self.files(dir) == ["m.pare", live])
        try Self.expectNothingPartial(output)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: KillSafetyTests.binary)), arguments: [SIGINT, SIGTERM])
    func sigintAndSigtermRemoveTheTemporaryAtOnce(signal: Int32) throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let output = dir + "/m.pare"
        for delay in Self.delays.suffix(2) {
            try? FileManager.default.removeItem(atPath: output)
            let process = try Self.compile(to: output, killWith: signal, after: delay)
            try Self.expectNothingPartial(output)
            let left = try Self.files(dir)
            #expect(left.allSatisfy { $0 == "m.pare" }, "after \(delay) s: \(left)")
            if process.terminationReason == .uncaughtSignal { #expect(process.terminationStatus == signal) }
        }
    }
}
