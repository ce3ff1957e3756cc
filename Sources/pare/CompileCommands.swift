import ArgumentParser
import Driver
import Foundation

/// What `plan` and `compile` read: the model, the recipe and any adapters for merge-lora.
struct PipelineInput: ParsableArguments {
    @Argument(help: "A Hugging Face model directory.")
    var model: String

    @Option(help: "A recipe file (passes/*.yaml), the name of a shipped recipe (max-compress: passes/ of a checkout, share/pare/recipes/ when installed), or the text form, e.g. \"cast{dtype=f16}\".")
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
        do {
            var options = Compile.Options(recipe: input.recipe, workload: report.workload, adapters: input.adapters)
            options.machine = try Console.pricingMachine(report.machine)
            plan = try Compile.plan(model: input.model, options: options)
        } catch { fail(error) }
        for d in plan.diagnostics { Console.line(d.line) }
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

    @Flag(help: "Print the full report (in --format) instead of the summary: headline figures, warnings, where the report is.")
    var printReport = false

    @Option(help: "zstd level, 1 (fast) to 19 (small).")
    var level: Int = Compile.defaultLevel

    @Option(help: "Tensors compressed at once, 0 = one per core (the file is identical for any count).")
    var workers: Int = 0

    @Option(help: "Seed for passes that sample and for choosing calibration lines.")
    var seed: UInt64 = 0

    @Option(help: "Threads calibration runs on, 0 = one per core (the artifact is identical for any count).")
    var threads: Int = 0

    @Flag(help: "Hold the whole model in memory and run each step on all of it, even when the recipe can run block by block (more memory; the same bytes).")
    var wholeModel = false

    @Option(help: "Calibration text: one sample per line, or JSONL with \"text\" or \"input_ids\" (default: the corpus Pare ships, examples/calibration/default.txt or share/pare/calibration/default.txt when installed).")
    var calibration: String?

    @Option(help: "Calibration samples to use.")
    var samples: Int = 64

    @Option(help: "Tokens per calibration sample (longer ones are truncated and counted).")
    var maxLength: Int = 128

    @Option(help: "Keep the compile's progress in this directory after every block (finished blocks' frames, the calibration state, a manifest), so --resume can continue after a crash, a kill or a lost rank.")
    var checkpointDir: String?

    @Flag(help: "Continue from --checkpoint-dir's checkpoint (same model, recipe, options, rank count and pare); the artifact is the bytes of an uninterrupted run.")
    var resume = false

    @Flag(help: "Under MPI, for ranks without shared storage: rank 0 alone reads the model, tokenizer, calibration and adapter files and sends the other ranks what they need, each block's weights as the compile reaches it (the same bytes; needs a block-by-block recipe; on one process there is nothing to send and a note says so).")
    var broadcastWeights = false

    @Flag(help: "Print each block's calibration accounting: compute and exchange seconds per rank, bytes exchanged.")
    var verbose = false

    @OptionGroup var report: ReportOptions

    func validate() throws {
        guard !resume || checkpointDir != nil else { throw ValidationError("--resume needs --checkpoint-dir DIR") }
        guard samples >= 1, maxLength >= 2 else { throw ValidationError("--samples must be ≥ 1 and --max-length ≥ 2") }
        guard output.hasSuffix(".pare") else { throw ValidationError("-o must name a .pare file") }
        guard (1...19).contains(level) else { throw ValidationError("--level must be within 1...19") }
        guard workers >= 0 else { throw ValidationError("--workers must be at least 0") }
        guard threads >= 0 else { throw ValidationError("--threads must be at least 0") }
    }

    func run() async throws {
        var options = Compile.Options(recipe: input.recipe, workload: report.workload, seed: seed,
                                      writer: .init(level: level, workers: workers),
                                      calibration: .init(path: calibration, samples: samples, maxLength: maxLength, seed: seed),
                                      lambda: report.lambda, adapters: input.adapters)
        let collective = Bootstrap.collective
        options.collective = collective
        // Ranks on one node share its cores: by default each calibrates on its part of them.
        options.threads = threads > 0 || collective.size == 1 ? threads
            : max(1, ProcessInfo.processInfo.activeProcessorCount / ((collective as? MPICollective)?.localRanks ?? 1))
        options.wholeModel = wholeModel
        options.checkpointDirectory = checkpointDir
        options.resume = resume
        options.broadcastWeights = broadcastWeights
        if broadcastWeights, collective.size == 1 { Console.line("note: --broadcast-weights: one process reads the input itself; there is nothing to send") }
        options.version = "pare " + Pare.configuration.version
        let result: Compile.Result
        do {
            options.machine = try Console.pricingMachine(report.machine)
            guard let done = try await Compile.runOnThisRank(model: input.model, output: output, options: options,
                                                             progress: { if collective.isRoot { Console.progress($0) } },
                                                             account: { if verbose { Console.line($0) } }) else { return }
            result = done
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
        print(printReport ? report.render(result.report) : result.summary(output: output, reportDirectory: reportDir), terminator: "")
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
            let machine = try Console.pricingMachine(report.machine)
            print(report.render(try ArtifactTools.report(artifact, workload: report.workload, lambda: report.lambda, machine: machine)),
                  terminator: "")
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
        commandName: "export",
        abstract: "Write a plain Hugging Face directory (config.json, model.safetensors, tokenizer files) or an ONNX Runtime directory (model.onnx, config.json, tokenizer files) from a .pare artifact.")

    @Argument(help: "A .pare artifact.")
    var artifact: String

    @Option(name: .shortAndLong, help: "The directory to create.")
    var output: String

    @Option(help: "hf: safetensors for transformers (f32); onnx: model.onnx for ONNX Runtime (int8 and pruned shapes kept; BERT-family encoders, GPT-2 and Llama-family decoders with a KV cache for optimum's ORTModelForCausalLM).")
    var format: ExportFormat = .hf

    @Option(help: "onnx: how W8A8 linears quantize activations: per-token (Pare's scales, its outputs), per-tensor (DynamicQuantizeLinear, fused by ONNX Runtime, coarser) or row-normalized (rows scaled to [-1, 1], then fused per-tensor).")
    var int8Activations: ONNXActivationScales = .perToken

    @Option(help: "onnx, encoders: run the artifact's token elimination in the graph at this λ (drop mode; every text taken as unpadded). Default: no elimination, every token runs.")
    var lambda: Double?

    @Option(help: "onnx: with --lambda, drop (the graph has no merge mode; needed when the profile merges).")
    var eliminationMode: EliminationMode?

    func run() throws {
        if format == .hf, lambda != nil || eliminationMode != nil {
            fail(DriverError.usage("--lambda and --elimination-mode apply to --format onnx", "leave them out for --format hf"))
        }
        do {
            switch format {
            case .hf: try ArtifactTools.export(artifact, to: output)
            case .onnx: try ArtifactTools.exportONNX(artifact, to: output, activationScales: int8Activations, lambda: lambda,
                                                     mode: eliminationMode)
            }
        } catch { fail(error) }
        print("\(output): written")
    }
}
