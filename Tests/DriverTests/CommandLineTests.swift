import Foundation
import Testing

/// Runs the built `pare` binary: exit codes and the `error: <where>: <what>; <what to do>` line.
@Suite struct CommandLineTests {
    static let binary = InspectTests.repository + "/.build/debug/pare"

    func run(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: CommandLineTests.binary)))
    func inspectSucceedsAndFailsClearly() throws {
        let ok = try run(["inspect", InspectTests.fixtures + "/tiny-bert", "--json"])
        #expect(ok.status == 0 && ok.out.contains("\"parameters\" : 23210"))
        let missing = try run(["inspect", "/nonexistent"])
        #expect(missing.status == 1)
        #expect(missing.err == "error: /nonexistent: no such file or directory; pass a model directory, a .safetensors file or a .pare artifact\n")
        let bad = try run(["inspect", InspectTests.fixtures + "/golden/tiny-bert.json"])
        #expect(bad.status == 1 && bad.err.hasPrefix("error: ") && bad.err.contains("tiny-bert.json"))
    }
}
