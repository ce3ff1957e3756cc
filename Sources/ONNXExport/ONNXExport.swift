import Foundation
import ModelIR
import SwiftProtobuf
import TensorCore

/// Writes a directory that ONNX Runtime (and optimum's `ORTModelForFeatureExtraction`) loads:
///
/// - `model.onnx`: the graph (`ONNXModel`), weights inline, or in `model.onnx_data` beside it
///   when they pass `externalDataAbove` bytes (protobuf messages stop at 2 GiB);
/// - `config.json`: the source checkpoint's config, verbatim (the graph itself carries each
///   layer's pruned head count and FFN width);
/// - for a causal LM, `generation_config.json` (its special token ids, `GenerationConfig`), so
///   `ORTModelForCausalLM.from_pretrained(DIR)` loads the directory as it is;
/// - the tokenizer files, by their relative names.
///
/// The directory is assembled in `<directory>.tmp-<pid>` and renamed into place when complete;
/// an existing file or non-empty directory is never overwritten. Same model, same bytes.
public enum ONNXExport {
    /// Above this many weight bytes the weights go to the side file (protobuf's limit is 2³¹ − 1
    /// for the whole message).
    public static let defaultExternalDataAbove = 2_000_000_000
    static let modelFileName = "model.onnx"
    static let reservedNames: Set<String> = [modelFileName, ExternalData.fileName, "config.json", GenerationConfig.fileName]

    /// The serialized model and, when the weights go beside it, the side file's bytes.
    public static func serialize(_ model: Model, path: String, activationScales: ActivationScales = .perToken,
                                 elimination: EncoderElimination? = nil,
                                 externalDataAbove: Int = defaultExternalDataAbove) throws(ONNXExportError) -> (model: [UInt8], data: [UInt8]?) {
        var proto = try ONNXModel.proto(model, path: path, activationScales: activationScales, elimination: elimination)
        var side: [UInt8]?
        if ExternalData.inlineBytes(proto.graph) > externalDataAbove {
            side = ExternalData.bytes(ExternalData.externalize(&proto.graph))
        }
        do {
            let bytes: [UInt8] = try proto.serializedBytes()
            return (bytes, side)
        } catch {
            throw .unsupportedModel(path: path, reason: "protobuf serialization failed (\(error))")
        }
    }

    public static func write(model: Model, sourceConfig: String, tokenizerFiles: [String: String], to directory: String,
                             activationScales: ActivationScales = .perToken, elimination: EncoderElimination? = nil,
                             externalDataAbove: Int = defaultExternalDataAbove) throws(ONNXExportError) {
        try staged(directory) { () throws(FileError) in try StagedDirectory.refuseOccupied(directory) }
        for name in tokenizerFiles.keys.sorted() where !StagedDirectory.isPlainRelative(name) || reservedNames.contains(name) {
            throw .invalidFileName(path: directory, name: name)
        }
        let (bytes, side) = try serialize(model, path: directory, activationScales: activationScales, elimination: elimination,
                                          externalDataAbove: externalDataAbove)
        try staged(directory) { () throws(FileError) in
            let output = try StagedDirectory(path: directory)
            try output.write(bytes, to: modelFileName)
            if let side { try output.write(side, to: ExternalData.fileName) }
            try output.write(Array(sourceConfig.utf8), to: "config.json")
            if model.config.causal, let generation = GenerationConfig.json(sourceConfig: sourceConfig) {
                try output.write(Array(generation.utf8), to: GenerationConfig.fileName)
            }
            for (name, text) in tokenizerFiles.sorted(by: { $0.key < $1.key }) { try output.write(Array(text.utf8), to: name) }
            try output.commit()
        }
    }

    /// `body`'s file errors as this export's: an occupied target is `targetExists`.
    private static func staged(_ directory: String, _ body: () throws(FileError) -> Void) throws(ONNXExportError) {
        do {
            try body()
        } catch .occupied {
            throw .targetExists(path: directory)
        } catch {
            throw .file(error)
        }
    }
}
