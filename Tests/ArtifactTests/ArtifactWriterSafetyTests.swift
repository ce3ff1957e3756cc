import Foundation
import JSON
import ModelIR
import Testing
import TensorCore
@testable import Artifact

/// The writer never leaves a partial file, never overwrites an input and refuses what it
/// cannot write faithfully.
@Suite final class ArtifactWriterSafetyTests {
    /// Removed with everything in it when the test ends.
    let scratch = ArtifactFixtures.temporaryDirectory()
    deinit { try? FileManager.default.removeItem(atPath: scratch) }

    func leftovers(_ directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.contains(".tmp-") }
    }

    @Test func failedRenameLeavesNoTemporaryFile() throws {
        let dir = ArtifactFixtures.temporaryDirectory(in: scratch)
        let target = dir + "/occupied"
        try FileManager.default.createDirectory(atPath: target + "/inside", withIntermediateDirectories: true)
        let error = ArtifactFixtures.error {
            try ArtifactFixtures.write(try! ArtifactFixtures.model("tiny-bert"), fixture: "tiny-bert", to: target)
        }
        #expect(error == .file(.cannotWrite(path: target, reason: "Is a directory")))
        #expect(try leftovers(dir).isEmpty)
    }

    @Test func refusesAnInputPath() throws {
        let dir = ArtifactFixtures.temporaryDirectory(in: scratch)
        let input = dir + "/config.json"
        try ArtifactFixtures.writeBytes(Array("{}".utf8), to: input)
        let error = ArtifactFixtures.error {
            try ArtifactWriter.write(model: try! ArtifactFixtures.model("tiny-bert"), sourceConfig: "{}", tokenizerFiles: [:],
                                     passLog: [], provenance: ArtifactFixtures.provenance, extensions: [:],
                                     to: dir + "/./config.json", inputs: [input], options: .init())
        }
        #expect(error == .file(.wouldOverwriteInput(path: dir + "/./config.json")))
        #expect(try ArtifactFixtures.bytes(input) == Array("{}".utf8))
        #expect(try leftovers(dir).isEmpty)
    }

    /// A tensor's mapped file is an input even when the caller forgets to list it.
    @Test func refusesTheFileTensorsAreMappedFrom() throws {
        let dir = ArtifactFixtures.temporaryDirectory(in: scratch) + "/tiny-bert"
        try FileManager.default.copyItem(atPath: ArtifactFixtures.directory("tiny-bert"), toPath: dir)
        let weights = dir + "/model.safetensors"
        let before = try ArtifactFixtures.bytes(weights)
        let model = try ArtifactFixtures.model(at: dir)
        let error = ArtifactFixtures.error {
            try ArtifactWriter.write(model: model, sourceConfig: "{}", tokenizerFiles: [:], passLog: [],
                                     provenance: ArtifactFixtures.provenance, extensions: [:], to: weights,
                                     inputs: [], options: .init())
        }
        #expect(error == .file(.wouldOverwriteInput(path: weights)))
        #expect(try ArtifactFixtures.bytes(weights) == before)
    }

    @Test func refusesBadLevelsUnencodableExtensionsAndInvalidGraphs() throws {
        let dir = ArtifactFixtures.temporaryDirectory(in: scratch)
        let model = try ArtifactFixtures.model("tiny-bert")
        func write(_ m: Model, _ ext: [String: JSONValue] = [:], level: Int = 9) -> ArtifactError? {
            ArtifactFixtures.error {
                try ArtifactWriter.write(model: m, sourceConfig: "{}", tokenizerFiles: [:], passLog: [],
                                         provenance: ArtifactFixtures.provenance, extensions: ext,
                                         to: dir + "/x.pare", inputs: [], options: .init(level: level))
            }
        }
        #expect(write(model, level: 0) == .invalidLevel(0))
        #expect(write(model, level: 20) == .invalidLevel(20))
        #expect(write(model, ["profile": ["acc": .double(.nan)]])
                == .unencodableManifest(path: dir + "/x.pare", reason: "nan at extensions.profile.acc"))
        var broken = model
        broken.blocks[0].attention.keptHeads = []
        #expect(write(broken) == .invalidGraph(path: dir + "/x.pare", diagnostics: broken.verify()))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
    }

    @Test func errorDescriptionsSayWhereWhatAndWhatToDo() {
        let e = ArtifactError.truncated(path: "m.pare", expected: 100, actual: 40)
        #expect(e.description == "m.pare: truncated: 40 bytes, expected 100; the copy or write was interrupted, copy or compile it again")
        #expect(ArtifactError.tensorOutOfBounds(path: "m.pare", name: "embeddings.word", offset: 90, compressedBytes: 20, dataBytes: 100)
            .description == "m.pare: tensor 'embeddings.word' frame [90, +20) lies outside the 100-byte data section; the file is damaged or was not written by Pare; compile it again")
        #expect(ArtifactError.zstd(path: "m.pare", frame: "manifest", error: .sizeMismatch(expected: 10, actual: 9)).description
            == "m.pare: manifest frame: zstd frame decodes to 9 bytes, the manifest declares 10; the file is damaged, recompile it")
    }
}
