import Artifact
import Foundation
import JSON
import HuggingFace
import ModelIR
import Tokenizers

/// A model given on the command line: a Hugging Face directory or a `.pare` artifact, with the
/// tokenizer files that came with it.
struct ModelSource {
    let model: Model
    /// Display name: the directory or file name, never an absolute path.
    let name: String
    /// Tokenizer files by name → contents (from the directory or the artifact's manifest).
    let tokenizerFiles: [String: String]
    /// sentence-transformers' max_seq_length when known.
    let maxSequenceLength: Int?

    /// Tokenizer and sentence-transformers files carried into artifacts and exports.
    static let companionFiles = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt",
                                 "vocab.json", "merges.txt", "added_tokens.json", "sentence_bert_config.json",
                                 "modules.json", "config_sentence_transformers.json", "1_Pooling/config.json"]

    static func load(_ path: String) throws(DriverError) -> ModelSource {
        if path.hasSuffix(".pare") {
            let reader: ArtifactReader
            do { reader = try ArtifactReader(path: path) } catch { throw .artifact(error) }
            let model: Model
            do { model = try reader.model() } catch { throw .artifact(error) }
            let files = reader.manifest.tokenizerFiles
            return ModelSource(model: model, name: (path as NSString).lastPathComponent, tokenizerFiles: files,
                               maxSequenceLength: maxSequenceLength(files["sentence_bert_config.json"]))
        }
        let model: Model
        do { model = try ModelImporter.model(directory: path).graph } catch { throw .importFailed(error) }
        let files = companions(in: path)
        return ModelSource(model: model, name: (path as NSString).lastPathComponent, tokenizerFiles: files,
                           maxSequenceLength: maxSequenceLength(files["sentence_bert_config.json"]))
    }

    /// The model's own tokenizer: from the directory, or from the files an artifact carries.
    func tokenizer(path: String) throws(DriverError) -> any Tokenizer {
        if path.hasSuffix(".pare") { return try TokenizerFiles.load(tokenizerFiles, source: path) }
        do { return try TokenizerLoader.load(directory: path) } catch { throw .tokenizer(error) }
    }

    /// The companion files present in `directory`, read as UTF-8.
    static func companions(in directory: String) -> [String: String] {
        var files: [String: String] = [:]
        for name in companionFiles {
            let path = (directory as NSString).appendingPathComponent(name)
            if let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) {
                files[name] = text
            }
        }
        return files
    }

    static func maxSequenceLength(_ json: String?) -> Int? {
        guard let json, let object = try? JSONParser.parse(json), let n = object["max_seq_length"]?.intValue, n >= 1 else {
            return nil
        }
        return n
    }
}
