import Artifact
import Calibration
import CHeap
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
                                stages: stages(pipeline, skeletons), files: nil, diagnostics: diagnostics)
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

    /// Runs the recipe on the model in `directory` and writes the artifact to `output`.
    public static func run(model directory: String, output: String, options: Options,
                           progress: @escaping (String) -> Void = { _ in }) async throws(DriverError) -> Result {
        let plan = try plan(model: directory, options: options)
        if plan.hasErrors { throw .checkFailed(plan.diagnostics) }
        let pipeline = try pipeline(options.recipe)
        let imported: ImportedModel<Tensor>
        do { imported = try ModelImporter.model(directory: directory) } catch { throw .importFailed(error) }
        let before = imported.graph.skeleton
        let model = imported.graph
        var calibration: CalibrationSet?
        if pipeline.needsCalibration {
            progress("tokenizing calibration samples")
            let tokenizer: any Tokenizer
            do { tokenizer = try TokenizerLoader.load(directory: directory) } catch { throw .tokenizer(error) }
            calibration = try CalibrationInput.load(options.calibration, config: model.config, tokenizer: tokenizer)
        }
        var adapters: [LoRAAdapter] = []
        for argument in options.adapters {
            let (adapterDirectory, weight) = PEFTAdapterImporter.parse(argument)
            do {
                adapters.append(try PEFTAdapterImporter.adapter(directory: adapterDirectory, weight: weight ?? 1, for: before))
            } catch {
                throw .checkFailed([Diagnostic(.error, at: "--adapter", error.description)])
            }
        }
        let inputs = try inputFiles(directory)
        let adapterFiles = adapterFiles(options.adapters)
        var adapterInputs: [ArtifactManifest.Provenance.InputFile] = []
        for file in adapterFiles {
            do { adapterInputs.append(try .hashing(file: file.path, as: file.name)) } catch { throw .artifact(error) }
        }
        let writer: StreamingArtifactWriter
        do {
            writer = try StreamingArtifactWriter(path: output, inputs: inputs.map { (directory as NSString).appendingPathComponent($0.name) }
                                                     + adapterFiles.map(\.path), options: options.writer)
        } catch {
            throw .artifact(error)
        }
        let context = PassContext(seed: options.seed, calibration: calibration, adapters: adapters, workers: options.threads)
        let (log, after, wholeModelReason) = try await runSteps(pipeline, on: model, context: context, writer: writer, wholeModel: options.wholeModel, progress: progress)
        progress("writing \(output)")
        let configText = (try? String(contentsOfFile: (directory as NSString).appendingPathComponent("config.json"), encoding: .utf8)) ?? "{}"
        // The skeletons as the steps left them: they know what the static effects cannot
        // (ranks chosen from spectra, the measured elimination profile).
        let stages = stages(pipeline, [before] + log.map(\.skeleton))
        let inputBytes = inputs.filter { $0.name.hasSuffix(".safetensors") }.reduce(0) { $0 + $1.bytes }
        let reportState = ReportState(model: name(directory), before: before, stages: stages, inputBytes: inputBytes)
        let reportJSON = try reportState.json()
        let manifest: ArtifactManifest
        do {
            manifest = try writer.finish(
                skeleton: after, sourceConfig: configText, tokenizerFiles: ModelSource.companions(in: directory),
                passLog: log.map { .init(pass: $0.entry.pass, options: $0.entry.options, changed: $0.entry.changed,
                                         counters: $0.entry.counters, notes: $0.entry.diagnostics.map(\.description)) },
                provenance: .init(inputs: (inputs + adapterInputs).sorted { $0.name < $1.name }, recipe: pipeline.canonicalRecipe.description, calibrationSHA256: calibration?.sha256,
                                  seed: options.seed),
                extensions: ["report": reportJSON])
        } catch {
            throw .artifact(error)
        }
        let artifactBytes = (try? FileManager.default.attributesOfItem(atPath: output)[.size] as? Int) ?? nil
        let report = Report(reportState.input(workload: options.workload, artifactBytes: artifactBytes,
                                              diagnostics: log.flatMap(\.entry.diagnostics), lambda: options.lambda))
        return Result(manifest: manifest, report: report, steps: log.map { ($0.entry.options, $0.seconds, $0.output) },
                      wholeModelReason: wholeModelReason)
    }

    /// Runs the pipeline's steps and hands every tensor of the result to `writer`. Block by block
    /// (`LayerwisePipeline`: the input stays mapped, each block's pages are given back once its
    /// frames are written) when every step can, unless `wholeModel`; otherwise on the whole model
    /// in memory. Both give the same bytes. Returns the log, the skeleton written, and why the
    /// steps ran on the whole model (nil: block by block).
    static func runSteps(_ pipeline: Pipeline, on model: Model, context: PassContext, writer: StreamingArtifactWriter, wholeModel: Bool,
                         progress: @escaping (String) -> Void) async throws(DriverError) -> (log: [PipelineStep], skeleton: Skeleton, wholeModelReason: String?) {
        let obstacle = wholeModel ? "--whole-model was given" : LayerwisePipeline.obstacle(pipeline, model.skeleton, context: context)
        if let obstacle {
            var model = model
            let log: [PipelineStep]
            do {
                log = try await pipeline.run(on: &model, context: context) { i, name in
                    progress("step \(i + 1)/\(pipeline.recipe.steps.count): \(name)")
                }
            } catch {
                throw .pass(error)
            }
            progress("compressing tensors")
            do { try writer.add(model.namedTensors) } catch { throw .artifact(error) }
            return (log, model.skeleton, obstacle)
        }
        // Embeddings and head first; the blocks as they are finished.
        let rest = model.namedTensors.filter { !$0.name.hasPrefix("blocks.") }
        do { try writer.add(rest) } catch { throw .artifact(error) }
        let release: ([Tensor]) -> Void = { tensors in
            for t in tensors { t.storage.discardMappedPages() }
            // Freed blocks sit in the arenas of the threads that made them (calibration workers,
            // oneDNN's OpenMP team); give the free pages back so the peak stays that of one block.
            _ = pare_heap_release_free_pages()
        }
        release(rest.map(\.tensor))
        do {
            let (log, skeleton) = try LayerwisePipeline.run(pipeline, on: model, context: context, write: { l, block in
                try writer.add(block.namedTensors(index: l))
            }, release: release, progress: { p in
                let sweep = p.sweeps > 1 ? "sweep \(p.sweep)/\(p.sweeps), " : ""
                progress("\(sweep)\(p.name): block \(p.block)/\(p.blocks), \(Int(p.elapsed.rounded())) s, "
                         + "about \(Int(p.remaining.rounded())) s left in this sweep")
            })
            return (log, skeleton, nil)
        } catch let error as PassError {
            throw .pass(error)
        } catch let error as ArtifactError {
            throw .artifact(error)
        } catch {
            throw .pass(.failed(pass: "layer-by-layer compile", reason: "\(error)"))
        }
    }

    /// Static checks of `--adapter`: each adapter maps onto the model (headers only), and adapters
    /// come with a merge-lora step (without adapters a merge-lora step only notes that it has nothing to do).
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
        let merges = pipeline.recipe.steps.indices.filter { pipeline.recipe.steps[$0].pass == "merge-lora" }
        if !arguments.isEmpty, merges.isEmpty {
            found.append(Diagnostic(.error, at: "--adapter", "\(arguments.count) adapter(s) given but the recipe has no merge-lora step",
                                    hint: "add merge-lora as the recipe's first step"))
        }
        if arguments.isEmpty, !merges.isEmpty { found.append(MergeLoRA.nothingToMerge) }
        for i in merges.dropFirst() where !arguments.isEmpty {
            found.append(Diagnostic(.error, at: "step \(i + 1) (merge-lora)", "step \(merges[0] + 1) already merges the adapters",
                                    hint: "keep one merge-lora step"))
        }
        return found
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

    static func pipeline(_ recipe: String) throws(DriverError) -> Pipeline {
        do { return try Pipeline(recipe: RecipeLoader.load(recipe)) } catch { throw .pass(error) }
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
