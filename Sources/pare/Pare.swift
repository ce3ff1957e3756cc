import ArgumentParser
import Driver
import Foundation

struct Pare: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pare",
        abstract: "Compress transformer checkpoints: import, compile with passes, report.",
        version: "0.1.0",
        subcommands: [InspectCommand.self, BenchCommand.self, ListPassesCommand.self])
}

/// Prints `error: <where>: <what>; <what to do>` on stderr and exits non-zero.
func fail(_ error: DriverError) -> Never {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
