import Foundation
import ModelImport
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
        if path.hasSuffix(".pare") {
            throw .input(path: path, "reading .pare artifacts arrives with the artifact format (issue 4)",
                         "inspect the model directory the artifact was compiled from")
        }
        return try safetensors(path)
    }

    private static func directory(_ path: String, _ workload: Workload) throws(DriverError) -> InspectReport {
        let imported: ImportedModel<TensorSpec>
        do {
            imported = try ModelImporter.skeleton(directory: path)
        } catch {
            throw .importFailed(error)
        }
        let s = imported.graph, c = s.config
        let checkpoint: Checkpoint
        do { checkpoint = try Checkpoint(directory: path) } catch { throw .checkpoint(error) }
        var head: [String] = []
        if s.head.finalNorm != nil { head.append("final-norm") }
        if s.head.pooler != nil { head.append("pooler") }
        if let classifier = s.head.classifier { head.append("classifier(\(classifier.outFeatures))") }
        if s.head.languageModel != nil { head.append("lm") }
        if s.head.tiedToEmbeddings { head.append("lm(tied)") }
        return InspectReport(
            kind: .modelDirectory, path: path,
            architecture: .init(
                modelType: c.architecture.rawValue, layers: c.layerCount, hiddenSize: c.hiddenSize, heads: c.headCount,
                headDim: c.headDim, intermediateSize: c.intermediateSize, vocabSize: c.vocabSize,
                maxPositions: c.maxPositions, activation: c.activation.rawValue,
                normPlacement: c.normPlacement.rawValue, causal: c.causal, head: head),
            parameters: s.parameterCount,
            bytesByDType: Dictionary(uniqueKeysWithValues: s.bytesByDType.map { ($0.key.rawValue, $0.value) }),
            buffers: imported.buffers,
            files: checkpoint.files.map { ($0.path as NSString).lastPathComponent },
            tensorCount: checkpoint.names.count,
            flops: .init(CostModel.flops(s, workload: workload), workload),
            tensors: nil, metadata: checkpoint.metadata)
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
            flops: nil, tensors: rows, metadata: file.metadata)
    }
}
