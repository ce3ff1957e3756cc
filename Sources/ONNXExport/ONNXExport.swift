#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
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
/// - the tokenizer files, by their relative names.
///
/// The directory is assembled in `<directory>.tmp-<pid>` and renamed into place when complete;
/// an existing file or non-empty directory is never overwritten. Same model, same bytes.
public enum ONNXExport {
    /// Above this many weight bytes the weights go to the side file (protobuf's limit is 2³¹ − 1
    /// for the whole message).
    public static let defaultExternalDataAbove = 2_000_000_000
    static let modelFileName = "model.onnx"
    static let reservedNames: Set<String> = [modelFileName, ExternalData.fileName, "config.json"]

    /// The serialized model and, when the weights go beside it, the side file's bytes.
    public static func serialize(_ model: Model, path: String, activationScales: ActivationScales = .perToken,
                                 externalDataAbove: Int = defaultExternalDataAbove) throws(ONNXExportError) -> (model: [UInt8], data: [UInt8]?) {
        var proto = try ONNXModel.proto(model, path: path, activationScales: activationScales)
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
                             activationScales: ActivationScales = .perToken,
                             externalDataAbove: Int = defaultExternalDataAbove) throws(ONNXExportError) {
        try refuseExisting(directory)
        for name in tokenizerFiles.keys.sorted() where !isPlainRelative(name) || reservedNames.contains(name) {
            throw .invalidFileName(path: directory, name: name)
        }
        let (bytes, side) = try serialize(model, path: directory, activationScales: activationScales, externalDataAbove: externalDataAbove)

        let staging = "\(directory).tmp-\(getpid())"
        try? FileManager.default.removeItem(atPath: staging)
        var committed = false
        defer { if !committed { try? FileManager.default.removeItem(atPath: staging) } }
        do throws(FileError) {
            try makeDirectory(staging)
            try AtomicFile.write(bytes, to: "\(staging)/\(modelFileName)")
            if let side { try AtomicFile.write(side, to: "\(staging)/\(ExternalData.fileName)") }
            try AtomicFile.write(Array(sourceConfig.utf8), to: "\(staging)/config.json")
            for (name, text) in tokenizerFiles.sorted(by: { $0.key < $1.key }) {
                let target = "\(staging)/\(name)"
                try makeDirectory((target as NSString).deletingLastPathComponent)
                try AtomicFile.write(Array(text.utf8), to: target)
            }
        } catch {
            throw .file(error)
        }
        // rename(2) replaces an empty directory and fails on a non-empty one.
        guard rename(staging, directory) == 0 else {
            if errno == ENOTEMPTY || errno == EEXIST || errno == ENOTDIR || errno == EISDIR { throw .targetExists(path: directory) }
            throw .file(.cannotWrite(path: directory, reason: String(cString: strerror(errno))))
        }
        committed = true
    }

    private static func makeDirectory(_ path: String) throws(FileError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw .cannotWrite(path: path, reason: (error as NSError).localizedDescription)
        }
    }

    /// A file, or a directory with anything in it, is never replaced.
    private static func refuseExisting(_ directory: String) throws(ONNXExportError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else { return }
        let contents = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? ["?"]
        if !isDirectory.boolValue || !contents.isEmpty { throw .targetExists(path: directory) }
    }

    /// `a/b.json`: non-empty components, none `.` or `..`, not absolute.
    static func isPlainRelative(_ name: String) -> Bool {
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        return !name.isEmpty && parts.allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." } && !name.contains("\0")
    }
}
