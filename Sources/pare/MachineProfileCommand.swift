import ArgumentParser
import Driver

struct MachineProfileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "machine-profile",
        abstract: "Measure this CPU's kernel rates (GEMMs by shape, int8, quantization, softmax, norms, bandwidth) for the cost model.",
        discussion: "Writes a machine profile (schemas/machine-profile.schema.json) that plan, compile, report, eval and bench --against price with. Takes 10-30 s; run it on an otherwise idle machine.")

    @Option(name: .shortAndLong, help: ArgumentHelp("Where to write the profile (default: $XDG_CACHE_HOME/pare/machine.json, or ~/.cache/pare/machine.json).", valueName: "file"))
    var output: String?

    @Option(help: "Threads to measure on (default: every core, as bench and run use).")
    var threads: Int?

    @Option(help: "Timings per figure (the fastest is kept).")
    var repeats: Int = 8

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1") }
    }

    func run() throws {
        let path = output ?? PricingMachine.defaultPath()
        let profile = MachineProfiler.measure(options: .init(threads: threads, repeats: repeats),
                                              progress: { Console.progress($0.isEmpty ? nil : "measuring \($0)") })
        do { try PricingMachine.write(profile, to: path) } catch { fail(error) }
        print(MachineProfiler.text(profile, path: path), terminator: "")
    }
}
