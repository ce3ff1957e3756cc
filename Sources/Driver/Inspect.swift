import Foundation
import HuggingFace
import ModelIR
import SafeTensors
import TensorCore

/// `pare inspect`: summarises a checkpoint from its headers and config, never reading weights.
public enum Inspect {
    public static func run(path: String, workload: Workload) throws(DriverError) -> InspectReport {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .input(path: path, "no such file or directory", "pass a model directory, a .safetensors file or a .pare artifact")
        }
        if isDirectory.boolValue { return try directory(path, workload) }
        if path.hasSuffix(".pare") { return try artifact(path, workload) }
        return try safetensors(path)
    }

    private static func directory(_ path: String, _ workload: Workload) throws(DriverError) -> InspectReport {
        let imported: ImportedModel<TensorSpec>
        do {
            imported = try ModelImporter.skeleton(directory: path)
        } catch {
            throw .importFailed(error)
        }
        let checkpoint: Checkpoint
        do { checkpoint = try Checkpoint(directory: path) } catch { throw .checkpoint(error) }
        return summary(imported.graph, kind: .modelDirectory, path: path, workload: workload, buffers: imported.buffers,
                       files: checkpoint.files.map { ($0.path as NSString).lastPathComponent },
                       tensorCount: checkpoint.names.count, metadata: checkpoint.metadata)
    }

    private static func artifact(_ path: String, _ workload: Workload) throws(DriverError) -> InspectReport {
        let reader = try ArtifactTools.open(path)
        let m = reader.manifest
        var report = summary(m.skeleton, kind: .artifact, path: path, workload: workload, buffers: [],
                             files: [(path as NSString).lastPathComponent], tensorCount: m.tensors.count, metadata: [:])
        report.tensors = m.tensors.map {
            InspectReport.TensorRow(name: $0.name, dtype: $0.dtype.rawValue, shape: $0.shape, bytes: $0.bytes,
                                    compressedBytes: $0.compressedBytes, encoding: $0.encoding.rawValue)
        }
        report.artifact = .init(formatVersion: m.formatVersion, tool: m.tool, fileBytes: reader.fileBytes,
                                recipe: m.provenance.recipe,
                                passes: m.passLog.map { entry in
                                    entry.options + (entry.counters.isEmpty ? "" : "  "
                                        + entry.counters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
                                },
                                inputs: m.provenance.inputs.map { "\($0.name) \($0.bytes) sha256:\($0.sha256)" },
                                tokenizerFiles: m.tokenizerFiles.keys.sorted(), sections: m.extensions.keys.sorted())
        return report
    }

    private static func summary(_ s: Skeleton, kind: InspectReport.Kind, path: String, workload: Workload, buffers: [String],
                                files: [String], tensorCount: Int, metadata: [String: String]) -> InspectReport {
        let c = s.config
        var head: [String] = []
        if s.head.finalNorm != nil { head.append("final-norm") }
        if s.head.pooler != nil { head.append("pooler") }
        if let classifier = s.head.classifier { head.append("classifier(\(classifier.outFeatures))") }
        if s.head.languageModel != nil { head.append("lm") }
        if s.head.tiedToEmbeddings { head.append("lm(tied)") }
        var report = InspectReport(
            kind: kind, path: path,
            architecture: .init(
                modelType: c.architecture.rawValue, layers: c.layerCount, hiddenSize: c.hiddenSize, heads: c.headCount,
                headDim: c.headDim, intermediateSize: c.intermediateSize, vocabSize: c.vocabSize,
                maxPositions: c.maxPositions, activation: c.activation.rawValue,
                normPlacement: c.normPlacement.rawValue, causal: c.causal, head: head,
                kvHeads: c.kvHeadCount == c.headCount ? nil : c.kvHeadCount, norm: c.norm == .rms ? "rms" : nil,
                mlp: c.mlpKind == .gated ? "gated" : nil,
                positions: c.rotary.map { r in
                    "rotary θ=\(Format.number(r.theta))" + (r.scaling.map { " \($0.kind.rawValue)×\(Format.number($0.factor))" } ?? "")
                },
                slidingWindow: c.slidingWindow),
            parameters: s.parameterCount,
            bytesByDType: Dictionary(uniqueKeysWithValues: s.bytesByDType.map { ($0.key.rawValue, $0.value) }),
            buffers: buffers, files: files, tensorCount: tensorCount,
            flops: .init(CostModel.flops(s, workload: workload), workload),
            tensors: nil, metadata: metadata, artifact: nil)
        report.linearForms = Dictionary(s.linears.map { (formName($0.linear), 1) }, uniquingKeysWith: +)
        return report
    }

    /// The form a linear runs in: its weight form, and for int8 forms whether the runtime runs
    /// int8 GEMMs on dynamically quantized activations (W8A8) or widens the weight (W8A16).
    static func formName(_ linear: Linear<TensorSpec>) -> String {
        guard linear.weight.isInt8 else { return linear.weight.kind }
        return linear.weight.kind + (linear.activations == .dynamic ? " W8A8 (int8 GEMMs, activations quantized per token)" : " W8A16 (weight-only, widened at load)")
    }

    private static func safetensors(_ path: String) throws(DriverError) -> InspectReport {
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile(path: path) } catch { throw .checkpoint(error) }
        let rows = file.entries.map {
            InspectReport.TensorRow(name: $0.name, dtype: $0.dtype.rawValue, shape: $0.shape.dims, bytes: $0.dataRange.count)
        }
        return InspectReport(
            kind: .safetensors, path: path, architecture: nil,
            parameters: file.entries.reduce(0) { $0 + $1.shape.count },
            bytesByDType: file.entries.reduce(into: [:]) { $0[$1.dtype.rawValue, default: 0] += $1.dataRange.count },
            buffers: [], files: [(path as NSString).lastPathComponent], tensorCount: rows.count,
            flops: nil, tensors: rows, metadata: file.metadata, artifact: nil)
    }
}
