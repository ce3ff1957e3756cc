#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Artifact
import Foundation
import ModelIR
import SafeTensors
import TensorCore

/// Writes a plain Hugging Face directory that transformers loads with the same architecture
/// (`BertModel`, `BertForSequenceClassification`, `GPT2LMHeadModel`), for runtimes that cannot
/// read `.pare`:
///
/// - `config.json`: the source config, adjusted (`ExportConfig`: pruned heads, MLP width, ties, dtype);
/// - `model.safetensors`: the state dict (`HFStateDict`), non-dense forms densified, metadata `format: pt`;
/// - the tokenizer files, by their relative names.
///
/// The directory is assembled in `<directory>.tmp-<pid>` beside it and renamed into place when
/// complete; an existing file or non-empty directory (so any input: the artifact, the source
/// checkpoint) is never overwritten, and an empty directory is replaced.
public enum HFExport {
    /// Files the export itself writes; tokenizer files may not use these names.
    static let reservedNames: Set<String> = ["config.json", Checkpoint.singleFileName, Checkpoint.indexFileName]

    public static func write(model: Model, sourceConfig: String, tokenizerFiles: [String: String],
                             to directory: String) throws(ArtifactError) {
        try refuseExisting(directory)
        let problems = model.verify()
        guard problems.isEmpty else { throw .invalidGraph(path: directory, diagnostics: problems) }
        for name in tokenizerFiles.keys.sorted() where !isPlainRelative(name) || reservedNames.contains(name) {
            throw .invalidFileName(path: directory, name: name)
        }
        let config = try ExportConfig.json(model, sourceConfig: sourceConfig, path: directory)
        let tensors = try HFStateDict.tensors(model, path: directory)

        let staging = "\(directory).tmp-\(getpid())"
        try? FileManager.default.removeItem(atPath: staging)
        do {
            try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: false)
        } catch {
            throw .file(.cannotWrite(path: directory, reason: Self.reason(error)))
        }
        var committed = false
        defer { if !committed { try? FileManager.default.removeItem(atPath: staging) } }
        do throws(FileError) {
            try AtomicFile.write(config, to: "\(staging)/config.json")
            for (name, text) in tokenizerFiles.sorted(by: { $0.key < $1.key }) {
                let target = "\(staging)/\(name)"
                let parent = (target as NSString).deletingLastPathComponent
                if parent != staging {
                    do {
                        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
                    } catch {
                        throw FileError.cannotWrite(path: parent, reason: Self.reason(error))
                    }
                }
                try AtomicFile.write(Array(text.utf8), to: target)
            }
        } catch {
            throw .file(error)
        }
        do {
            try SafeTensorsWriter.write(tensors, metadata: ["format": "pt"], to: "\(staging)/\(Checkpoint.singleFileName)")
        } catch {
            throw .safetensors(error)
        }
        // rename(2) replaces an empty directory and fails on a non-empty one.
        guard rename(staging, directory) == 0 else {
            if errno == ENOTEMPTY || errno == EEXIST || errno == ENOTDIR || errno == EISDIR {
                throw .exportTargetExists(path: directory)
            }
            throw .file(.cannotWrite(path: directory, reason: String(cString: strerror(errno))))
        }
        committed = true
    }

    /// A file, or a directory with anything in it, is never replaced.
    private static func refuseExisting(_ directory: String) throws(ArtifactError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else { return }
        let contents = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? ["?"]
        if !isDirectory.boolValue || !contents.isEmpty { throw .exportTargetExists(path: directory) }
    }

    /// `a/b.json`: non-empty components, none `.` or `..`, not absolute.
    static func isPlainRelative(_ name: String) -> Bool {
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        return !name.isEmpty && parts.allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." } && !name.contains("\0")
    }

    private static func reason(_ error: Error) -> String {
        (error as NSError).localizedDescription
    }
}
