import Foundation
import ArgumentParser
import Driver

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure fidelity on held-out text against a reference model, at each λ of a sweep.")

    @Argument(help: "A .pare artifact or a model directory.")
    var path: String

    @Option(help: "Reference model directory (default: the same model without elimination).")
    var against: String?

    @Option(help: "Held-out text, one sample per line (default: the held-out text Pare ships, examples/calibration/heldout.txt or share/pare/calibration/heldout.txt when installed).")
    var data: String?

    @Option(help: "Samples to use.")
    var samples: Int = 96

    @Option(help: "Tokens per sample.")
    var maxLength: Int = 128

    @Option(help: "Comma-separated λ values (default: a sweep up to the profile's identity λ).")
    var lambdas: String?

    @Option(help: "What eliminated tokens become in the sweep and the latency run: drop or merge (default: the artifact's mode).")
    var eliminationMode: EliminationMode?

    @Flag(help: "Sweep the other elimination modes too (drop, merge, mlerp), so the curves are side by side.")
    var bothModes = false

    @Option(help: ArgumentHelp("A machine profile (pare machine-profile) to price the predicted speedup with (default: $XDG_CACHE_HOME/pare/machine.json or ~/.cache/pare/machine.json if present, else the built-in reference).", valueName: "file"))
    var machine: String?

    @Option(help: "Interleaved timed runs of each model for the measured speedup.")
    var runs: Int = 5

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        var values: [Double]?
        if let lambdas {
            values = try lambdas.split(separator: ",").map { item -> Double in
                guard let v = Double(item.trimmingCharacters(in: .whitespaces)), v > 0, v.isFinite else {
                    throw ValidationError("--lambdas: '\(item)' is not a number above 0")
                }
                return v
            }
        }
        do {
            var options = Eval.Options(against: against, data: data, samples: samples, maxLength: maxLength, lambdas: values,
                                       mode: eliminationMode, bothModes: bothModes)
            options.machine = try Console.pricingMachine(machine)
            options.runs = runs
            let report = try Eval.run(path: path, options: options)
            print(json ? report.json() : report.text(), terminator: "")
        } catch {
            fail(error)
        }
    }
}
