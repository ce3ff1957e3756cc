import Driver
import Foundation

/// stderr output: errors, warnings, notes, and a one-line progress display on terminals only.
enum Console {
    static let isTerminal = isatty(2) != 0

    static func error(_ text: String) { write("error: \(text)\n") }
    static func note(_ text: String) { if isTerminal { write("note: \(text)\n") } }

    /// A line as it is, e.g. a diagnostic's (`Diagnostic.line`).
    static func line(_ text: String) { write(text + "\n") }

    /// Replaces the current progress line; nil clears it. Silent when stderr is not a terminal.
    static func progress(_ text: String?) {
        guard isTerminal else { return }
        write("\r\u{1B}[2K" + (text ?? ""))
    }

    /// `--machine`'s profile (or the default one, or the built-in reference), its warnings printed.
    /// `threads`: what the command will run on, when not every core (`bench --threads`).
    static func pricingMachine(_ path: String?, threads: Int? = nil) throws(DriverError) -> PricingMachine {
        var here = MachineProfiler.thisMachine()
        if let threads { here.threads = threads }
        let machine = try PricingMachine.resolve(path, machine: here)
        for w in machine.warnings { line("warning: \(w)") }
        return machine
    }

    static func seconds(_ s: Double) -> String { String(Int((s * 1000).rounded())) + " ms" }

    private static func write(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }
}

/// Prints `error: <where>: <what>; <what to do>` on stderr and exits non-zero (under MPI, ending
/// every rank).
func fail(_ error: DriverError) -> Never {
    Console.progress(nil)
    Console.error("\(error)")
    Bootstrap.finishProcess(exitCode: 1)
    exit(1)
}
