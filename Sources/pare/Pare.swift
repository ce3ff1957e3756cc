import ArgumentParser
import Driver

@main
@available(macOS 10.15, *)
struct Pare: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pare",
        abstract: "Compress transformer checkpoints: import, compile with passes, report.",
        version: "0.1.0",
        subcommands: [InspectCommand.self, PlanCommand.self, CompileCommand.self, ReportCommand.self, VerifyCommand.self,
                      ExportCommand.self, CalibrateCommand.self, EvalCommand.self, RunCommand.self, BenchCommand.self, MachineProfileCommand.self,
                      ListPassesCommand.self])

    /// ArgumentParser's `main`, with the MPI job (if any) left as the exit code says: finalized
    /// after a success, aborted after a failure so that no other rank waits for this one.
    static func main() async {
        Bootstrap.prepareProcess()
        do {
            var command = try parseAsRoot()
            if var command = command as? AsyncParsableCommand { try await command.run() } else { try command.run() }
        } catch {
            Bootstrap.finishProcess(exitCode: exitCode(for: error).rawValue)
            exit(withError: error)
        }
        Bootstrap.finishProcess(exitCode: 0)
    }
}

