import ArgumentParser
import Driver

struct CalibrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Measure ACC per layer on calibration text and print the elimination profile, without compiling.")

    @Argument(help: "A Hugging Face model directory or a .pare artifact.")
    var path: String

    @Option(help: "Calibration text: one sample per line, or JSONL with \"text\" or \"input_ids\" (default: the corpus Pare ships, examples/calibration/default.txt or share/pare/calibration/default.txt when installed).")
    var data: String?

    @Option(help: "Samples to use (a seeded choice when the file has more).")
    var samples: Int = 64

    @Option(help: "Tokens per sample (longer ones are truncated and counted).")
    var maxLength: Int = 128

    @Option(help: "Seed for choosing samples.")
    var seed: UInt64 = 0

    @Option(help: "Curve fitted to ACC: linear, quadratic, cubic, exponential or raw.")
    var fit: CurveFitKind = .quadratic

    @Option(help: "ACC over samples: mean or median.")
    var aggregate: ACCAggregate = .mean

    @Option(help: "Sequence length of the λ sweep.")
    var seqLen: Int = 128

    @Flag(help: "Print JSON (schemas/profile.schema.json).")
    var json = false

    func validate() throws {
        guard samples >= 1, maxLength >= 2, seqLen >= 1 else {
            throw ValidationError("--samples and --seq-len must be ≥ 1, --max-length ≥ 2")
        }
    }

    func run() throws {
        do {
            let report = try Calibrate.run(path: path, options: .init(
                calibration: .init(path: data, samples: samples, maxLength: maxLength, seed: seed),
                fit: fit, aggregate: aggregate, sequenceLength: seqLen))
            print(json ? report.json() : report.text(), terminator: "")
        } catch {
            fail(error)
        }
    }
}
