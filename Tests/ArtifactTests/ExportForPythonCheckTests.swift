import Foundation
import ModelIR
import Testing
import TensorCore
@testable import Artifact
@testable import HuggingFace

/// With `PARE_EXPORT_DIR=<dir>`, writes exports for scripts/fixtures/check_export.py (which
/// loads them with transformers and compares against the original checkpoints):
/// `<dir>/<fixture>` for each fixture (through a .pare round trip) and `<dir>/<fixture>-pruned`
/// (heads {0: [0, 2], 1: [1]} removed), and `<dir>/all-MiniLM-L6-v2` (with its
/// sentence-transformers files) when the example model is present. Skipped otherwise; no
/// torch in CI.
@Suite struct ExportForPythonCheckTests {
    static let target = ProcessInfo.processInfo.environment["PARE_EXPORT_DIR"]

    /// Every text file of a model directory but config.json and the weights, by relative path.
    static func sideFiles(_ directory: String) throws -> [String: String] {
        var files: [String: String] = [:]
        let all = FileManager.default.enumerator(atPath: directory)?.allObjects as? [String] ?? []
        for name in all where name != "config.json" && !name.hasSuffix(".safetensors") {
            if let text = try? String(contentsOfFile: directory + "/" + name, encoding: .utf8) { files[name] = text }
        }
        return files
    }

    @Test(.enabled(if: target != nil && FileManager.default.fileExists(atPath: ArtifactFixtures.miniLM + "/model.safetensors")))
    func writeMiniLMExport() throws {
        let root = Self.target!
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let model = try ArtifactFixtures.model(at: ArtifactFixtures.miniLM)
        let pare = root + "/all-MiniLM-L6-v2.pare", out = root + "/all-MiniLM-L6-v2"
        for p in [pare, out] { try? FileManager.default.removeItem(atPath: p) }
        _ = try ArtifactWriter.write(
            model: model, sourceConfig: try String(contentsOfFile: ArtifactFixtures.miniLM + "/config.json", encoding: .utf8),
            tokenizerFiles: try Self.sideFiles(ArtifactFixtures.miniLM), passLog: [], provenance: ArtifactFixtures.provenance,
            extensions: [:], to: pare, inputs: [], options: .init())
        let reader = try ArtifactReader(path: pare)
        try HFExport.write(model: try reader.model(), sourceConfig: reader.manifest.sourceConfig,
                           tokenizerFiles: reader.manifest.tokenizerFiles, to: out)
        #expect(try ArtifactFixtures.model(at: out) == model)
    }

    @Test(.enabled(if: target != nil))
    func writeExportsForTransformers() throws {
        let root = Self.target!
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        for name in ArtifactFixtures.names + ["tiny-t5", "tiny-flan-t5"] {
            let model = try ArtifactFixtures.model(name)
            let pare = root + "/\(name).pare"
            try? FileManager.default.removeItem(atPath: pare)
            try ArtifactFixtures.write(model, fixture: name, to: pare)
            let reader = try ArtifactReader(path: pare)
            for suffix in model.decoder == nil ? ["", "-pruned"] : [""] {  // T5 cannot describe pruned heads
                var exported = try reader.model()
                // Llama-family configs cannot list pruned heads: every layer keeps the last
                // key/value group (query heads 2 and 3 of 4), and pare_kept_heads.json tells
                // check_export.py which, so it can zero the others' W_O columns in the original.
                let rotary = exported.config.rotary != nil
                if suffix == "-pruned" {
                    if rotary {
                        for i in exported.blocks.indices { HFExportTests.keep(&exported, block: i, heads: [2, 3]) }
                    } else {
                        ModelForms.pruneHeads(&exported, block: 0, keep: [1, 3])
                        ModelForms.pruneHeads(&exported, block: 1, keep: [0, 2, 3])
                    }
                }
                let out = root + "/\(name)\(suffix)"
                try? FileManager.default.removeItem(atPath: out)
                try HFExport.write(model: exported, sourceConfig: reader.manifest.sourceConfig,
                                   tokenizerFiles: reader.manifest.tokenizerFiles, to: out)
                if suffix == "-pruned" && rotary {
                    let kept = Dictionary(uniqueKeysWithValues: exported.blocks.enumerated().map { (String($0.offset), $0.element.attention.keptHeads) })
                    try JSONSerialization.data(withJSONObject: kept, options: .sortedKeys).write(to: URL(fileURLWithPath: out + "/pare_kept_heads.json"))
                }
            }
        }
    }
}
