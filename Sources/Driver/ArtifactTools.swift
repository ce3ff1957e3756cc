import Artifact
import Foundation
import HuggingFace
import ModelIR
import ONNXExport
import Report
import Runtime

/// `pare report`, `pare verify` and `pare export`: work on a written artifact.
public enum ArtifactTools {
    /// The compile's report for another workload, rebuilt from the artifact's manifest alone.
    public static func report(_ path: String, workload: Workload, lambda: Double? = nil,
                              machine: PricingMachine = .reference) throws(DriverError) -> Report {
        let reader = try open(path)
        guard let value = reader.manifest.extensions["report"] else {
            throw .input(path: path, "the artifact carries no report section", "recompile it with this version of Pare")
        }
        let state = try ReportState(value, path: path)
        let notes = reader.manifest.passLog.flatMap { entry in
            entry.notes.map { Diagnostic(.warning, at: entry.pass, $0) }
        }
        if let lambda, !(lambda > 0 && lambda.isFinite) {
            throw .usage("--lambda \(lambda) is invalid", "choose λ > 0")
        }
        return Report(state.input(workload: workload, artifactBytes: reader.fileBytes, diagnostics: notes, lambda: lambda,
                                  machine: machine))
    }

    public struct Verification: Sendable {
        public let tensors: Int
        public let bytes: Int
        public let problems: [ArtifactError]
    }

    /// Every bound (checked when opening) and every tensor checksum.
    public static func verify(_ path: String) throws(DriverError) -> Verification {
        let reader = try open(path)
        var problems = reader.verify()
        if problems.isEmpty {
            do { _ = try reader.model() } catch { problems.append(error) }
        }
        return Verification(tensors: reader.manifest.tensors.count,
                            bytes: reader.manifest.tensors.reduce(0) { $0 + $1.bytes }, problems: problems)
    }

    /// Writes a plain Hugging Face directory from the artifact.
    public static func export(_ path: String, to directory: String) throws(DriverError) {
        let reader = try open(path)
        do {
            let model = try reader.model()
            try HFExport.write(model: model, sourceConfig: reader.manifest.sourceConfig,
                               tokenizerFiles: reader.manifest.tokenizerFiles, to: directory)
        } catch {
            throw .artifact(error)
        }
    }

    /// Writes an ONNX Runtime directory (`model.onnx`, config, tokenizer files) from the artifact.
    /// The graph runs the full model unless `lambda` is given: then an encoder's elimination
    /// profile runs in the graph at that λ, in drop mode (`mode`, else the profile's, must be drop).
    public static func exportONNX(_ path: String, to directory: String, activationScales: ActivationScales = .perToken,
                                  lambda: Double? = nil, mode: EliminationProfile.Mode? = nil) throws(DriverError) {
        let reader = try open(path)
        let model: Model
        do { model = try reader.model() } catch { throw .artifact(error) }
        var elimination: EncoderElimination?
        if let lambda, let chosen = try Elimination.chosen(for: model, lambda: lambda, mode: mode) {
            guard chosen.mode == .drop else {
                throw .usage("the ONNX graph eliminates tokens in drop mode only, not \(chosen.mode.rawValue)",
                             "pass --elimination-mode drop, or leave out --lambda to export every token")
            }
            if let keep = chosen.profile.keep, keep != .acc {
                throw .usage("the ONNX graph keeps the tokens with the highest ACC scores, and this profile keeps them by \(keep.rawValue)",
                             "leave out --lambda to export every token, or compile the profile with keep=acc")
            }
            elimination = EncoderElimination(profile: chosen.profile, lambda: chosen.lambda)
        } else if mode != nil {
            throw .usage("--elimination-mode needs --lambda for an ONNX export", "pass the λ the graph should eliminate at")
        }
        do {
            try ONNXExport.write(model: model, sourceConfig: reader.manifest.sourceConfig, tokenizerFiles: reader.manifest.tokenizerFiles,
                                 to: directory, activationScales: activationScales, elimination: elimination)
        } catch {
            throw .onnx(error)
        }
    }

    static func open(_ path: String) throws(DriverError) -> ArtifactReader {
        guard FileManager.default.fileExists(atPath: path) else {
            throw .input(path: path, "no such file", "pass a .pare artifact written by `pare compile`")
        }
        do { return try ArtifactReader(path: path) } catch { throw .artifact(error) }
    }
}
