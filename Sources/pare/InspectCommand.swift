import ArgumentParser
import Driver

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Summarise a model directory or .safetensors file from headers only (no weights are read).")

    @Argument(help: "A Hugging Face model directory or a .safetensors file.")
    var path: String

    @Option(help: "Sequence length for the FLOPs estimate.")
    var seqLen: Int = 128

    @Option(help: "Batch size for the FLOPs estimate.")
    var batch: Int = 1

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func validate() throws {
        guard seqLen >= 1 else { throw ValidationError("--seq-len must be at least 1") }
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
    }

    func run() throws {
        do {
            let report = try Inspect.run(path: path, workload: .init(batch: batch, sequenceLength: seqLen))
            print(json ? report.json() : report.text(), terminator: "")
        } catch {
            fail(error)
        }
    }
}
