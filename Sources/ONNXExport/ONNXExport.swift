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
/// - for an encoder-decoder (T5), optimum's `encoder_model.onnx`, `decoder_model.onnx` and
///   `decoder_with_past_model.onnx` instead (`EncoderDecoderGraph`), each with its own side file;
/// - for a causal LM or an encoder-decoder, `generation_config.json` (its special token ids, `GenerationConfig`), so
///   `ORTModelForCausalLM` / `ORTModelForSeq2SeqLM.from_pretrained(DIR)` loads the directory as it is;
/// - the tokenizer files, by their relative names.
///
/// The directory is assembled in `<directory>.tmp-<pid>` and renamed into place when complete;
/// an existing file or non-empty directory is never overwritten. Same model, same bytes.
public enum ONNXExport {
    /// Above this many weight bytes the weights go to the side file (protobuf's limit is 2³¹ − 1
    /// for the whole message).
    public static let defaultExternalDataAbove = 2_000_000_000
    static let modelFileName = "model.onnx"
    static let reservedNames: Set<String> = Set([modelFileName, ExternalData.fileName, "config.json", GenerationConfig.fileName]
        + [EncoderDecoderGraph.encoderFile, EncoderDecoderGraph.decoderFile, EncoderDecoderGraph.decoderWithPastFile].flatMap { [$0, $0 + "_data"] })

    /// The serialized model and, when the weights go beside it, the side file's bytes.
    public static func serialize(_ model: Model, path: String, activationScales: ActivationScales = .perToken,
                                 elimination: EncoderElimination? = nil,
                                 externalDataAbove: Int = defaultExternalDataAbove) throws(ONNXExportError) -> (model: [UInt8], data: [UInt8]?) {
        try serialize(ONNXModel.proto(model, path: path, activationScales: activationScales, elimination: elimination),
                      sideFile: ExternalData.fileName, path: path, externalDataAbove: externalDataAbove)
    }

    /// `proto`'s bytes, with its weights moved to `sideFile` when they pass `externalDataAbove`.
    static func serialize(_ proto: Onnx_ModelProto, sideFile: String, path: String,
                          externalDataAbove: Int) throws(ONNXExportError) -> (model: [UInt8], data: [UInt8]?) {
        var proto = proto
        var side: [UInt8]?
        if ExternalData.inlineBytes(proto.graph) > externalDataAbove {
            side = ExternalData.bytes(ExternalData.externalize(&proto.graph, fileName: sideFile))
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
        var files: [(name: String, bytes: [UInt8])] = []
        for (name, proto) in try ONNXModel.files(model, path: directory, activationScales: activationScales, elimination: elimination) {
            let side = name == modelFileName ? ExternalData.fileName : name + "_data"
            let (bytes, data) = try serialize(proto, sideFile: side, path: directory, externalDataAbove: externalDataAbove)
            files.append((name, bytes))
            if let data { files.append((side, data)) }
        }
        try staged(directory) { () throws(FileError) in
            let output = try StagedDirectory(path: directory)
            for (name, bytes) in files { try output.write(bytes, to: name) }
            try output.write(Array(sourceConfig.utf8), to: "config.json")
            if model.config.causal || model.decoder != nil, let generation = GenerationConfig.json(sourceConfig: sourceConfig) {
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
