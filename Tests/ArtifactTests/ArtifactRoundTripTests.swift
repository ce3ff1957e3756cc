import Foundation
import JSON
import ModelIR
import Testing
import TensorCore
@testable import Artifact

/// write → read → `model()` gives back the same tensors (bytewise) and skeleton; the manifest
/// fields survive unchanged.
@Suite final class ArtifactRoundTripTests {
    /// Removed with everything in it when the test ends.
    let scratch = ArtifactFixtures.temporaryDirectory()
    deinit { try? FileManager.default.removeItem(atPath: scratch) }

    @Test(arguments: ArtifactFixtures.names + ["tiny-t5", "tiny-flan-t5"])
    func fixtureRoundTripsExactly(name: String) throws {
        let model = try ArtifactFixtures.model(name)
        let path = ArtifactFixtures.temporaryDirectory(in: scratch) + "/\(name).pare"
        let written = try ArtifactFixtures.write(model, fixture: name, to: path)

        let reader = try ArtifactReader(path: path)
        #expect(reader.manifest == written)
        #expect(reader.manifest.skeleton == model.skeleton)
        #expect(reader.fileBytes == (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int))
        #expect(try reader.model() == model)
        #expect(reader.verify().isEmpty)

        let m = reader.manifest
        #expect(m.formatVersion == 2 && m.tool == "pare 0.1.0")
        #expect(m.sourceConfig == (try ArtifactFixtures.sourceConfig(name)))
        #expect(m.tokenizerFiles == (try ArtifactFixtures.tokenizerFiles(name)))
        #expect(m.passLog == ArtifactFixtures.passLog)
        #expect(m.provenance == ArtifactFixtures.provenance)
        #expect(m.extensions == ArtifactFixtures.extensions)
        #expect(m.tensors.map(\.name) == model.namedTensors.map(\.name).sorted())
        #expect(m.tensors.allSatisfy { $0.encoding == .zstdShuffled })
    }

    /// Non-float tensors (i8 values, u8 masks) are stored unshuffled; every form round trips.
    @Test func compressedFormsRoundTrip() throws {
        var model = try ArtifactFixtures.model("tiny-bert")
        guard case let .dense(up) = model.blocks[0].mlp.up.weight,
              case let .dense(down) = model.blocks[1].mlp.down.weight else { Issue.record("dense"); return }
        let (values, scales) = ModelForms.int8(up)
        model.blocks[0].mlp.up.weight = .int8(values: values, scales: scales)
        let (u, v) = ModelForms.lowRank(out: 32, in: 32, rank: 3, seed: 7)
        model.blocks[0].attention.q.weight = .lowRank(u: u, v: v)
        let mask = Tensor(dtype: .u8, shape: [32, 5], bytes: [UInt8](repeating: 0xFF, count: 160))
        model.blocks[1].mlp.down.weight = .sparse(values: down, mask: mask, pattern: .unstructured, nonzeros: 32 * 37)
        let path = ArtifactFixtures.temporaryDirectory(in: scratch) + "/forms.pare"
        try ArtifactFixtures.write(model, fixture: "tiny-bert", to: path)

        let reader = try ArtifactReader(path: path)
        #expect(try reader.model() == model)
        #expect(try reader.record("blocks.0.mlp.up.values").encoding == .zstd)
        #expect(try reader.record("blocks.1.mlp.down.mask").encoding == .zstd)
        #expect(try reader.record("blocks.0.mlp.up.scales").encoding == .zstdShuffled)
        #expect(try reader.tensor("blocks.0.attention.q.u") == u)
    }

    /// The elimination profile travels in the skeleton and comes back with the model.
    @Test func eliminationProfileRoundTrips() throws {
        var model = try ArtifactFixtures.model("tiny-gpt2")
        model.elimination = EliminationProfile(acc: [0.8, 0.3], protection: .last, defaultLambda: 0.9)
        let path = ArtifactFixtures.temporaryDirectory(in: scratch) + "/p.pare"
        try ArtifactFixtures.write(model, fixture: "tiny-gpt2", to: path)
        let reader = try ArtifactReader(path: path)
        #expect(reader.manifest.skeleton.elimination == model.elimination)
        #expect(try reader.model() == model)
    }

    @Test func unknownTensorNameIsAnError() throws {
        let path = ArtifactFixtures.temporaryDirectory(in: scratch) + "/a.pare"
        try ArtifactFixtures.write(try ArtifactFixtures.model("tiny-bert"), fixture: "tiny-bert", to: path)
        let reader = try ArtifactReader(path: path)
        #expect(ArtifactFixtures.error { try reader.tensor("blocks.9.mlp.up.weight") }
                == .unknownTensor(path: path, name: "blocks.9.mlp.up.weight"))
    }

    @Test func jsonValueRoundTripsThroughTheManifestCoding() throws {
        let value: JSONValue = ["a": [1, -2.5, "s", nil, false, ["nested": [:]]], "b": 1e-12, "c": "é/\"\n"]
        let bytes = try ManifestCoding.encode(value, path: "test")
        #expect(try ManifestCoding.decode(JSONValue.self, from: bytes).get() == value)
        #expect(String(decoding: bytes, as: UTF8.self).hasPrefix(#"{"a":[1,-2.5,"s",null,false,{"nested":{}}],"b":1e-12"#))
    }
}
