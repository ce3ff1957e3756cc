import Artifact
import Calibration
import Foundation
import HuggingFace
import ModelIR
import Passes
import Report
import SafeTensors
import Tokenizers
import TensorCore

/// `pare plan` and `pare compile`: check a recipe against a model (no weights), then run it and
/// write the artifact and its report.
public enum Compile {
    /// The zstd level of `--level` when none is given.
    public static let defaultLevel = ArtifactWriter.Options().level

    public struct Options: Sendable {
        /// A recipe file or the CLI text form.
        public var recipe: String
        public var workload: Workload
        public var seed: UInt64
        public var writer: ArtifactWriter.Options
        public var calibration: CalibrationOptions
        /// λ of the report's elimination section; nil = the profile's default.
        public var lambda: Double?
        /// PEFT LoRA adapter directories, each optionally `DIR:WEIGHT`, merged in order by `merge-lora`.
        public var adapters: [String]
        /// Threads calibration runs on, 0 = one per core (the artifact is identical for any count).
        public var threads: Int = 0
        /// Run every step on the whole model in memory even when the recipe can run block by block
        /// (the reference the layer-by-layer compile matches byte for byte).
        public var wholeModel = false
        /// The machine the report's runtime cost is priced for.
        public var machine: PricingMachine = .reference
        /// The ranks a block-by-block compile splits its calibration over (the artifact is identical
        /// for any count); rank 0 writes the artifact.
        public var collective: any Collective = SingleProcess()
        /// Where a block-by-block compile keeps its progress (`CompileCheckpoint`); nil: nowhere.
        public var checkpointDirectory: String?
        /// Continue from `checkpointDirectory`'s checkpoint instead of starting again.
        public var resume = false
        /// On several ranks, rank 0 alone reads the input and sends the others what they need,
        /// each block's weights as the sweeps reach it (`WeightBroadcast`): for ranks that do not
        /// share storage. The same bytes; ignored on one process.
        public var broadcastWeights = false
        /// The build, for checkpoints (one from another build is refused).
        public var version = "pare"

        public init(recipe: String, workload: Workload = Workload(), seed: UInt64 = 0,
                    writer: ArtifactWriter.Options = ArtifactWriter.Options(), calibration: CalibrationOptions = CalibrationOptions(),
                    lambda: Double? = nil, adapters: [String] = []) {
            self.lambda = lambda
            self.adapters = adapters
            self.recipe = recipe
            self.workload = workload
            self.seed = seed
            self.writer = writer
            self.calibration = calibration
        }
    }

    /// What `plan` found: the report of the pipeline's static effect, and its diagnostics.
    public struct Plan: Sendable {
        public let report: Report
        public let diagnostics: [Diagnostic]
        public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
    }

    /// Static checks and the report, from config.json and safetensors headers only.
    public static func plan(model directory: String, options: Options) throws(DriverError) -> Plan {
        let skeleton: Skeleton
        do { skeleton = try ModelImporter.skeleton(directory: directory).graph } catch { throw .importFailed(error) }
        let pipeline = try pipeline(options.recipe)
        var (diagnostics, skeletons) = pipeline.check(skeleton)
        diagnostics = adapterDiagnostics(options.adapters, pipeline: pipeline, skeleton: skeleton) + diagnostics
        let input = ReportInput(model: name(directory), workload: options.workload, before: skeleton,
                                stages: stages(pipeline, skeletons), files: nil, diagnostics: diagnostics,
                                rates: options.machine.rates, machine: options.machine.summary)
        return Plan(report: Report(input), diagnostics: diagnostics)
    }

    public struct Result: Sendable {
        public let manifest: ArtifactManifest
        public let report: Report
        /// Per step: canonical options, wall seconds, and any text the pass produced.
        public let steps: [(pass: String, seconds: Double, output: String?)]
        /// Why the steps ran on the whole model in memory; nil when they ran block by block.
        public let wholeModelReason: String?
    }

    /// Runs the recipe on the model in `directory` and writes the artifact to `output`
    /// (`options.collective` of one rank; several ranks run `runOnThisRank`).
    public static func run(model directory: String, output: String, options: Options,
                           progress: @escaping (String) -> Void = { _ in }) async throws(DriverError) -> Result {
        precondition(options.collective.size == 1, "Compile.run is one process; ranks of a job call runOnThisRank")
        return try await runOnThisRank(model: directory, output: output, options: options, progress: progress)!
    }

    /// This rank's part of a compile on `options.collective`: every rank runs the steps on its
    /// share of the calibration batches (and receives everyone's statistics); rank 0 alone writes
    /// the artifact and returns the result, the others return nil.
    ///
    /// `account` gets one line per block measured on calibration data (`CalibrationAccount`).
    public static func runOnThisRank(model directory: String, output: String, options: Options,
                                     progress: @escaping (String) -> Void = { _ in },
                                     account: @escaping (String) -> Void = { _ in }) async throws(DriverError) -> Result? {
        let root = options.collective.isRoot
        let broadcast = options.broadcastWeights && options.collective.size > 1
        var inputs: CompileInputs?
        if root || !broadcast {
            let plan = try plan(model: directory, options: options)
            if plan.hasErrors { throw .checkFailed(plan.diagnostics) }
            inputs = try CompileInputs.read(directory: directory, pipeline: try pipeline(options.recipe), options: options, progress: progress)
        }
        // Without shared storage the other ranks receive from rank 0 what it read, the recipe too.
        let weightBroadcast = broadcast ? WeightBroadcast(collective: options.collective) : nil
        if let weightBroadcast { inputs = try weightBroadcast.share(inputs) }
        let pipeline = try pipeline(root ? options.recipe : inputs!.recipe)
        let (model, calibration, adapters) = (inputs!.model, inputs!.calibration, inputs!.adapters)
        let before = model.skeleton
        // Only the rank that writes hashes the inputs for the provenance.
        let inputFiles = root ? try inputFiles(directory) : []
        let adapterFiles = adapterFiles(options.adapters)
        var adapterInputs: [ArtifactManifest.Provenance.InputFile] = []
        for file in adapterFiles where root {
            do { adapterInputs.append(try .hashing(file: file.path, as: file.name)) } catch { throw .artifact(error) }
        }
        var writer: StreamingArtifactWriter?
        do {
            if root { writer = try StreamingArtifactWriter(path: output, inputs: inputFiles.map { (directory as NSString).appendingPathComponent($0.name) }
                                                     + adapterFiles.map(\.path), options: options.writer) }
        } catch {
            throw .artifact(error)
        }
        let context = PassContext(seed: options.seed, calibration: calibration, adapters: adapters, workers: options.threads,
                                  pricing: .runtime(options.machine.rates), workload: options.workload,
                                  collective: options.collective)
        var checkpoint: CompileCheckpoint?
        if let checkpointDirectory = options.checkpointDirectory {
            let fingerprint = CompileCheckpoint.Fingerprint(
                version: "\(options.version), checkpoint format \(CompileCheckpoint.format)",
                model: (inputFiles + adapterInputs).map { "\($0.name) \($0.sha256)" }.joined(separator: ", "),
                recipe: pipeline.canonicalRecipe.description,
                options: "seed \(options.seed), calibration \(calibration?.sha256 ?? "none") (\(calibration?.samples.count ?? 0) samples), "
                    + "level \(options.writer.level), adapters \(options.adapters)",
                ranks: options.collective.size)
            checkpoint = try CompileCheckpoint(directory: checkpointDirectory, fingerprint: fingerprint, resuming: options.resume,
                                               collective: options.collective, writer: writer)
        }
        let compiled: CompileOutcome
        do {
            compiled = try await pipeline.compile(model, context: context, wholeModel: options.wholeModel,
                                                  write: { tensors in try writer?.add(tensors) }, progress: {
                if case let .block(p) = $0, let line = CalibrationAccount.line(p, rank: options.collective.rank) { account(line) }
                KillHook.check($0, rank: options.collective.rank)
                progress($0.description)
            }, checkpoint: checkpoint, weights: weightBroadcast.map { broadcast in { try broadcast.block($0, of: model) } })
        } catch let error as PassError {
            throw .pass(error)
        } catch let error as ArtifactError {
            throw .artifact(error)
        } catch let error as DriverError {
            throw error
        } catch let error as CalibrationError {
            throw .calibration(error)
        } catch let error as FileError {
            throw .input(path: options.checkpointDirectory ?? output, error.description, "check the disk and the directory's permissions")
        } catch {
            throw .pass(.failed(pass: "layer-by-layer compile", reason: "\(error)"))
        }
        let log = compiled.log, after = compiled.skeleton
        if let weightBroadcast { account(weightBroadcast.accountLine) }
        guard let writer else { return nil }
        progress("writing \(output)")
        let configText = (try? String(contentsOfFile: (directory as NSString).appendingPathComponent("config.json"), encoding: .utf8)) ?? "{}"
        // The skeletons as the steps left them: they know what the static effects cannot
        // (ranks chosen from spectra, the measured elimination profile).
        let stages = stages(pipeline, [before] + log.map(\.skeleton))
        let inputBytes = inputFiles.filter { $0.name.hasSuffix(".safetensors") }.reduce(0) { $0 + $1.bytes }
        let reportState = ReportState(model: name(directory), before: before, stages: stages, inputBytes: inputBytes)
        let reportJSON = try reportState.json()
        let manifest: ArtifactManifest
        do {
            manifest = try writer.finish(
                skeleton: after, sourceConfig: configText, tokenizerFiles: ModelSource.companions(in: directory),
                passLog: log.map { .init(pass: $0.entry.pass, options: $0.entry.options, changed: $0.entry.changed,
                                         counters: $0.entry.counters, notes: $0.entry.diagnostics.map(\.description)) },
                provenance: .init(inputs: (inputFiles + adapterInputs).sorted { $0.name < $1.name }, recipe: pipeline.canonicalRecipe.description, calibrationSHA256: calibration?.sha256,
                                  seed: options.seed),
                extensions: ["report": reportJSON])
        } catch {
            throw .artifact(error)
        }
        let artifactBytes = (try? FileManager.default.attributesOfItem(atPath: output)[.size] as? Int) ?? nil
        let report = Report(reportState.input(workload: options.workload, artifactBytes: artifactBytes,
                                              diagnostics: log.flatMap(\.entry.diagnostics), lambda: options.lambda,
                                              machine: options.machine))
        return Result(manifest: manifest, report: report, steps: log.map { ($0.entry.options, $0.seconds, $0.output) },
                      wholeModelReason: compiled.wholeModelReason)
    }

    /// Static checks of `--adapter`: each adapter maps onto the model (headers only), and the
    /// recipe has one step that merges them (`Pipeline.adapterDiagnostics`).
    static func adapterDiagnostics(_ arguments: [String], pipeline: Pipeline, skeleton: Skeleton) -> [Diagnostic] {
        var found: [Diagnostic] = []
        for argument in arguments {
            let (adapterDirectory, weight) = PEFTAdapterImporter.parse(argument)
            do {
                _ = try PEFTAdapterImporter.check(directory: adapterDirectory, weight: weight ?? 1, for: skeleton)
            } catch {
                found.append(Diagnostic(.error, at: "--adapter", error.description))
            }
        }
        return found + pipeline.adapterDiagnostics(adapterCount: arguments.count)
    }

    /// The adapter files read, with their provenance names `adapters/<n>-<dir>/<file>`.
    static func adapterFiles(_ arguments: [String]) -> [(path: String, name: String)] {
        arguments.enumerated().flatMap { n, argument in
            let adapterDirectory = PEFTAdapterImporter.parse(argument).directory
            return [PEFTAdapterImporter.configFileName, PEFTAdapterImporter.weightsFileName].map { file in
                ((adapterDirectory as NSString).appendingPathComponent(file), "adapters/\(n + 1)-\(name(adapterDirectory))/\(file)")
            }
        }
    }

    /// Writes report.json, report.md and report.html into `directory` (created if needed), each atomically.
    public static func writeReport(_ report: Report, to directory: String) throws(DriverError) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .input(path: directory, "cannot create the report directory (\(error.localizedDescription))", "choose a writable --report-dir")
        }
        for (name, text) in [("report.json", report.json()), ("report.md", report.markdown()), ("report.html", report.html())] {
            do {
                try AtomicFile.write(Array(text.utf8), to: (directory as NSString).appendingPathComponent(name))
            } catch {
                throw .input(path: directory, error.description, "choose a writable --report-dir")
            }
        }
    }

    /// Each step's canonical text with the skeleton after it (`skeletons[0]` is the input).
    static func stages(_ pipeline: Pipeline, _ skeletons: [Skeleton]) -> [ReportInput.Stage] {
        zip(pipeline.canonicalRecipe.steps, skeletons.dropFirst()).map { ReportInput.Stage(pass: $0.0.description, skeleton: $0.1) }
    }

    /// The pipeline of `--recipe`. A bare name that is neither a shipped recipe nor near a pass
    /// name says which recipes there are.
    static func pipeline(_ recipe: String) throws(DriverError) -> Pipeline {
        do {
            return try Pipeline(recipe: RecipeLoader.load(recipe, recipeDirectories: ShippedFiles.recipeDirectories))
        } catch {
            if case let .unknownPass(0, name, nil) = error, name == recipe {
                let names = ShippedFiles.recipeNames
                throw .usage("--recipe \(recipe): no recipe or pass of that name",
                             "pass a recipe file, the text form (`pare list-passes` lists the passes) or a shipped recipe: "
                                 + (names.isEmpty ? "none found" : names.joined(separator: ", ")))
            }
            throw .pass(error)
        }
    }

    static func name(_ directory: String) -> String {
        let trimmed = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        return (trimmed as NSString).lastPathComponent
    }

    /// config.json, the weight files and the companion files of `directory`, with SHA-256 and size.
    static func inputFiles(_ directory: String) throws(DriverError) -> [ArtifactManifest.Provenance.InputFile] {
        let names: [String]
        do {
            let checkpoint = try Checkpoint(directory: directory)
            names = ["config.json"] + checkpoint.files.map { ($0.path as NSString).lastPathComponent }
                + (FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent(Checkpoint.indexFileName))
                    ? [Checkpoint.indexFileName] : [])
                + ModelSource.companionFiles
        } catch {
            throw .checkpoint(error)
        }
        var files: [ArtifactManifest.Provenance.InputFile] = []
        for name in Set(names).sorted() {
            let path = (directory as NSString).appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: path) else { continue }
            do { files.append(try .hashing(file: path, as: name)) } catch { throw .artifact(error) }
        }
        return files
    }
}
