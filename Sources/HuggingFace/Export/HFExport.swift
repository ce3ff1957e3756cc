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
        try staged(directory) { () throws(FileError) in try StagedDirectory.refuseOccupied(directory) }
        let problems = model.verify()
        guard problems.isEmpty else { throw .invalidGraph(path: directory, diagnostics: problems) }
        for name in tokenizerFiles.keys.sorted() where !StagedDirectory.isPlainRelative(name) || reservedNames.contains(name) {
            throw .invalidFileName(path: directory, name: name)
        }
        let config = try ExportConfig.json(model, sourceConfig: sourceConfig, path: directory)
        let tensors = try HFStateDict.tensors(model, path: directory)

        let output = try staged(directory) { () throws(FileError) in try StagedDirectory(path: directory) }
        try staged(directory) { () throws(FileError) in
            try output.write(config, to: "config.json")
            for (name, text) in tokenizerFiles.sorted(by: { $0.key < $1.key }) { try output.write(Array(text.utf8), to: name) }
        }
        let weights = try staged(directory) { () throws(FileError) in try output.stagedPath(Checkpoint.singleFileName) }
        do {
            try SafeTensorsWriter.write(tensors, metadata: ["format": "pt"], to: weights)
        } catch {
            throw .safetensors(error)
        }
        try staged(directory) { () throws(FileError) in try output.commit() }
    }

    /// `body`'s file errors as this export's: an occupied target is `exportTargetExists`.
    private static func staged<R>(_ directory: String, _ body: () throws(FileError) -> R) throws(ArtifactError) -> R {
        do {
            return try body()
        } catch .occupied {
            throw .exportTargetExists(path: directory)
        } catch {
            throw .file(error)
        }
    }
}
