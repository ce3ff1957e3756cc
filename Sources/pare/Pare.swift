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

    static func main() async {
        Bootstrap.prepareProcess()
        await main(nil)
    }
}

