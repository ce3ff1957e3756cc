import Foundation
import JSON
import ModelIR
import HuggingFace
import TensorCore
import Testing
@testable import Artifact

/// The committed fixtures (Tests/Fixtures, made by scripts/fixtures/generate.py), temporary
/// directories and artifacts written with fixed manifest fields.
enum ArtifactFixtures {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = repository.appendingPathComponent("Tests/Fixtures").path
    static let miniLM = repository.appendingPathComponent("examples/models/all-MiniLM-L6-v2").path
    static let names = ["tiny-bert", "tiny-bert-cls", "tiny-gpt2", "tiny-llama", "tiny-mistral", "tiny-qwen2"]

    static func directory(_ name: String) -> String { fixtures + "/" + name }

    static func model(_ name: String) throws -> Model {
        try ModelImporter.model(directory: directory(name)).graph
    }

    static func model(at directory: String) throws -> Model {
        try ModelImporter.model(directory: directory).graph
    }

    static func sourceConfig(_ name: String) throws -> String {
        try String(contentsOfFile: directory(name) + "/config.json", encoding: .utf8)
    }

    /// Every file of the fixture except config.json and the weights.
    static func tokenizerFiles(_ name: String) throws -> [String: String] {
        let dir = directory(name)
        var files: [String: String] = [:]
        for f in try FileManager.default.contentsOfDirectory(atPath: dir)
        where f != "config.json" && !f.hasSuffix(".safetensors") && !f.hasSuffix(".index.json") {
            files[f] = try String(contentsOfFile: dir + "/" + f, encoding: .utf8)
        }
        return files
    }

    static let passLog = [
        ArtifactManifest.PassRecord(pass: "cast", options: "{to=f32}", changed: false,
                                    counters: ["tensors-cast": 0, "bytes-saved": 0], notes: ["nothing to do"]),
    ]
    static let provenance = ArtifactManifest.Provenance(
        inputs: [.init(name: "model.safetensors", bytes: 96800, sha256: String(repeating: "ab", count: 32))],
        recipe: "cast{to=f32}", calibrationSHA256: nil, seed: 42)
    static let extensions: [String: JSONValue] = ["elimination-profile": ["lambda": 0.9, "layers": [1, 2.5, "x", nil, true]]]

    /// Writes `model` with the fixture's config and tokenizer files and fixed pass log,
    /// provenance and extensions.
    @discardableResult
    static func write(_ model: Model, fixture: String, to path: String,
                      options: ArtifactWriter.Options = .init()) throws -> ArtifactManifest {
        try ArtifactWriter.write(
            model: model, sourceConfig: try sourceConfig(fixture), tokenizerFiles: try tokenizerFiles(fixture),
            passLog: passLog, provenance: provenance, extensions: extensions, to: path, inputs: [], options: options)
    }

    /// A fresh, empty directory: under the system's temporary directory, or inside `parent`.
    static func temporaryDirectory(in parent: String? = nil) -> String {
        let d = (parent.map { $0 + "/" } ?? NSTemporaryDirectory() + "pare-artifact-") + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    static func bytes(_ path: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    static func writeBytes(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// `model` with every tensor copied into owned storage.
    static func owned(_ model: Model) -> Model {
        model.map { t in Tensor(dtype: t.dtype, shape: t.shape, bytes: t.withUnsafeBytes { Array($0) }) }
    }

    /// The `ArtifactError` `body` throws, or nil when it succeeds (any other error is a failure).
    static func error<R>(_ body: () throws -> R, sourceLocation: SourceLocation = #_sourceLocation) -> ArtifactError? {
        do {
            _ = try body()
            return nil
        } catch let error as ArtifactError {
            return error
        } catch {
            Issue.record("expected an ArtifactError, got \(error)", sourceLocation: sourceLocation)
            return nil
        }
    }
}
