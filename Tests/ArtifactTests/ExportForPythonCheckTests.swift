import Foundation
import ModelIR
import Testing
import TensorCore
@testable import Artifact

/// With `PARE_EXPORT_DIR=<dir>`, writes exports for scripts/fixtures/check_export.py (which
/// loads them with transformers and compares against the original checkpoints):
/// `<dir>/<fixture>` for each fixture (through a .pare round trip) and `<dir>/<fixture>-pruned`
/// (heads {0: [0, 2], 1: [1]} removed). Skipped otherwise; no torch in CI.
@Suite struct ExportForPythonCheckTests {
    static let target = ProcessInfo.processInfo.environment["PARE_EXPORT_DIR"]

    @Test(.enabled(if: target != nil))
    func writeExportsForTransformers() throws {
        let root = Self.target!
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        for name in ArtifactFixtures.names {
            let model = try ArtifactFixtures.model(name)
            let pare = root + "/\(name).pare"
            try? FileManager.default.removeItem(atPath: pare)
            try ArtifactFixtures.write(model, fixture: name, to: pare)
            let reader = try ArtifactReader(path: pare)
            for suffix in ["", "-pruned"] {
                var exported = try reader.model()
                if suffix == "-pruned" {
                    ModelForms.pruneHeads(&exported, block: 0, keep: [1, 3])
                    ModelForms.pruneHeads(&exported, block: 1, keep: [0, 2, 3])
                }
                let out = root + "/\(name)\(suffix)"
                try? FileManager.default.removeItem(atPath: out)
                try HFExport.write(model: exported, sourceConfig: reader.manifest.sourceConfig,
                                   tokenizerFiles: reader.manifest.tokenizerFiles, to: out)
            }
        }
    }
}
