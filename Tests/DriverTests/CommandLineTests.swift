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

    /// `compile` prints a summary (title, headline figures, warnings, where the report is); the
    /// full report only with `--print-report`. A bare recipe name is a recipe of the checkout's
    /// passes/ (an installed binary's share/pare/recipes/).
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: CommandLineTests.binary)))
    func compilePrintsASummaryAndResolvesRecipeNames() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pare-cli-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let model = InspectTests.fixtures + "/tiny-bert"
        let summary = try run(["compile", model, "--recipe", "f16", "-o", dir + "/a.pare"])
        #expect(summary.status == 0, "\(summary.err)")
        let lines = summary.out.split(separator: "\n").map(String.init)
        #expect(lines.first == "Pare report: tiny-bert")
        #expect(lines.contains { $0.hasPrefix("  Parameter bytes: −50.0%") })
        #expect(lines.suffix(2) == ["artifact: \(dir)/a.pare",
                                    "full report: pare report \(dir)/a.pare [--format md|json|html], or compile with --print-report or --report-dir DIR"])
        #expect(lines.count < 20)

        let full = try run(["compile", model, "--recipe", "f16", "-o", dir + "/b.pare", "--print-report", "--report-dir", dir + "/report"])
        #expect(full.status == 0 && full.out.hasPrefix("# Pare report: tiny-bert\n"))
        #expect(full.out == (try String(contentsOfFile: dir + "/report/report.md", encoding: .utf8)))
        #expect(FileManager.default.contents(atPath: dir + "/a.pare") == FileManager.default.contents(atPath: dir + "/b.pare"))

        let unknown = try run(["compile", model, "--recipe", "no-such-recipe", "-o", dir + "/c.pare"])
        #expect(unknown.status == 1)
        #expect(unknown.err == "error: --recipe no-such-recipe: no recipe or pass of that name; pass a recipe file, the text form "
                    + "(`pare list-passes` lists the passes) or a shipped recipe: audit, deploy-f16, deploy-int8, f16, max-compress\n")
    }
}
