import ArgumentParser
import Artifact
import Driver
import Foundation
import ModelIR
import Report

/// Options shared by the commands that print a report.
struct ReportOptions: ParsableArguments {
    @Option(help: "Sequence length of the report's workload.")
    var seqLen: Int = 128

    @Option(help: "Batch size of the report's workload.")
    var batch: Int = 1

    @Option(help: "Report format: md, json or html.")
    var format: ReportFormat = .md

    @Option(help: "λ of the token-elimination section (default: the artifact's).")
    var lambda: Double?

    var workload: Workload { Workload(batch: batch, sequenceLength: seqLen) }

    func validate() throws {
        guard seqLen >= 1, batch >= 1 else { throw ValidationError("--seq-len and --batch must be at least 1") }
        if let lambda, !(lambda > 0 && lambda.isFinite) { throw ValidationError("--lambda must be a number above 0") }
    }

    func render(_ report: Report) -> String {
        switch format {
        case .md: report.markdown()
        case .json: report.json()
        case .html: report.html()
        }
    }
}

enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
    case md, json, html
}

/// What `plan` and `compile` read: the model, the recipe and any adapters for merge-lora.
struct PipelineInput: ParsableArguments {
    @Argument(help: "A Hugging Face model directory.")
    var model: String

    @Option(help: "A recipe file (passes/*.yaml) or the text form, e.g. \"cast{dtype=f16}\".")
    var recipe: String

    @Option(name: .customLong("adapter"), help: ArgumentHelp(
        "A PEFT LoRA adapter folder (adapter_config.json + adapter_model.safetensors) for merge-lora, optionally DIR:WEIGHT; repeatable, merged in order.",
        valueName: "dir[:weight]"))
    var adapters: [String] = []
}

struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Check a recipe against a model and print the static report; reads no weights.")

    @OptionGroup var input: PipelineInput

    @OptionGroup var report: ReportOptions

    func run() throws {
        let plan: Compile.Plan
        do { plan = try Compile.plan(model: input.model, options: .init(recipe: input.recipe, workload: report.workload, adapters: input.adapters)) } catch { fail(error) }
        for d in plan.diagnostics { Console.diagnostic(d) }
        print(report.render(plan.report), terminator: "")
        if plan.hasErrors { throw ExitCode(1) }
    }
}

struct CompileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compile",
        abstract: "Run a recipe on a model and write one .pare artifact and its report.")

    @OptionGroup var input: PipelineInput

    @Option(name: .shortAndLong, help: "The artifact to write (.pare).")
    var output: String

    @Option(help: "Also write report.json, report.md and report.html into this directory.")
    var reportDir: String?

    @Option(help: "zstd level, 1 (fast) to 19 (small).")
    var level: Int = ArtifactWriter.Options().level

    @Option(help: "Tensors compressed at once, 0 = one per core (the file is identical for any count).")
    var workers: Int = 0

    @Option(help: "Seed for passes that sample and for choosing calibration lines.")
    var seed: UInt64 = 0

    @Option(help: "Threads calibration runs on, 0 = one per core (the artifact is identical for any count).")
    var threads: Int = 0

    @Flag(help: "Hold the whole model in memory and run each step on all of it, even when the recipe can run block by block (more memory; the same bytes).")
    var wholeModel = false

    @Option(help: "Calibration text: one sample per line, or JSONL with \"text\" or \"input_ids\" (default: examples/calibration/default.txt).")
    var calibration: String?

    @Option(help: "Calibration samples to use.")
    var samples: Int = 64

    @Option(help: "Tokens per calibration sample (longer ones are truncated and counted).")
    var maxLength: Int = 128

    @OptionGroup var report: ReportOptions

    func validate() throws {
        guard samples >= 1, maxLength >= 2 else { throw ValidationError("--samples must be ≥ 1 and --max-length ≥ 2") }
        guard output.hasSuffix(".pare") else { throw ValidationError("-o must name a .pare file") }
        guard (1...19).contains(level) else { throw ValidationError("--level must be within 1...19") }
        guard workers >= 0 else { throw ValidationError("--workers must be at least 0") }
        guard threads >= 0 else { throw ValidationError("--threads must be at least 0") }
    }

    func run() async throws {
        let writer = ArtifactWriter.Options(level: level, workers: workers)
        var options = Compile.Options(recipe: input.recipe, workload: report.workload, seed: seed, writer: writer,
                                      calibration: .init(path: calibration, samples: samples, maxLength: maxLength, seed: seed),
                                      lambda: report.lambda, adapters: input.adapters)
        options.threads = threads
        options.wholeModel = wholeModel
        let result: Compile.Result
        do {
            result = try await Compile.run(model: input.model, output: output, options: options,
                                           progress: { Console.progress($0) })
            Console.progress(nil)
            if let reportDir { try Compile.writeReport(result.report, to: reportDir) }
        } catch {
            Console.progress(nil)
            fail(error)
        }
        Console.note(result.wholeModelReason.map { "ran on the whole model in memory: \($0)" } ?? "ran block by block")
        for step in result.steps {
            if let text = step.output { print(text, terminator: "") }
            Console.note("\(step.pass): \(Console.seconds(step.seconds))")
        }
        print(report.render(result.report), terminator: "")
    }
}

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Print the static report of a .pare artifact for a workload.")

    @Argument(help: "A .pare artifact.")
    var artifact: String

    @OptionGroup var report: ReportOptions

    func run() throws {
        do {
            print(report.render(try ArtifactTools.report(artifact, workload: report.workload, lambda: report.lambda)), terminator: "")
        } catch {
            fail(error)
        }
    }
}

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Check every bound and every tensor checksum of a .pare artifact.")

    @Argument(help: "A .pare artifact.")
    var artifact: String

    func run() throws {
        let result: ArtifactTools.Verification
        do { result = try ArtifactTools.verify(artifact) } catch { fail(error) }
        for problem in result.problems { Console.error("\(problem)") }
        guard result.problems.isEmpty else { throw ExitCode(1) }
        print("\(artifact): OK (\(result.tensors) tensors, \(result.bytes) bytes decoded, every checksum matches)")
    }
}

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write a plain Hugging Face directory (config.json, model.safetensors, tokenizer files) from a .pare artifact.")

    @Argument(help: "A .pare artifact.")
    var artifact: String

    @Option(name: .shortAndLong, help: "The directory to create.")
    var output: String

    func run() throws {
        do { try ArtifactTools.export(artifact, to: output) } catch { fail(error) }
        print("\(output): written")
    }
}
