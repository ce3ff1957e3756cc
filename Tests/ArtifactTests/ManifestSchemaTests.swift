import Foundation
import JSON
import ModelIR
import Testing
import TensorCore
@testable import Artifact

/// schemas/artifact-manifest.schema.json describes what the writer writes: the same required
/// keys at the top level and in each record, and the same encodings.
@Suite final class ManifestSchemaTests {
    /// Removed with everything in it when the test ends.
    let scratch = ArtifactFixtures.temporaryDirectory()
    deinit { try? FileManager.default.removeItem(atPath: scratch) }

    static let schemaPath = ArtifactFixtures.repository.appendingPathComponent("schemas/artifact-manifest.schema.json").path

    func object(_ value: JSONValue?, _ keys: String...) -> [String: JSONValue]? {
        var v = value
        for k in keys { v = v?.dictionary?[k] }
        return v?.dictionary
    }

    func strings(_ value: JSONValue?) -> [String] {
        guard case let .array(items)? = value else { return [] }
        return items.compactMap { if case let .string(s) = $0 { s } else { nil } }
    }

    @Test func schemaMatchesTheWrittenManifest() throws {
        let schema = try ManifestCoding.decode(JSONValue.self, from: try ArtifactFixtures.bytes(Self.schemaPath)).get()
        let path = ArtifactFixtures.temporaryDirectory(in: scratch) + "/m.pare"
        var model = try ArtifactFixtures.model("tiny-bert")
        // Every optional field written: mode, keep, a fidelity with its held-out split.
        var baked = EliminationProfile(acc: [0.9, 0.5], protection: .first)
        baked.mode = .mlerp
        baked.keep = .accEnergy
        baked.fidelity = .init(metric: .cosine, value: 0.93, floor: 0.9, chosenOn: 6, heldOut: 2, chosenOnValue: 0.95)
        model.elimination = baked
        let manifest = try ArtifactFixtures.write(model, fixture: "tiny-bert", to: path)
        let written = try ManifestCoding.decode(JSONValue.self, from: try ManifestCoding.encode(manifest)).get().dictionary!

        let top = schema.dictionary!
        #expect(Set(strings(top["required"])) == Set(written.keys))
        #expect(Set(object(schema, "properties")!.keys) == Set(written.keys))
        let record = object(schema, "$defs", "tensorRecord")!
        guard case let .array(tensors)? = written["tensors"] else { Issue.record("tensors"); return }
        #expect(Set(strings(record["required"])) == Set(tensors[0].dictionary!.keys))
        let encodings = strings(object(schema, "$defs", "tensorRecord", "properties", "encoding")?["enum"])
        #expect(encodings == ["zstd", "zstd+byte-shuffle", "raw"])
        let skeleton = object(.object(sorting: written), "skeleton")!
        #expect(Set(skeleton.keys).isSubset(of: object(schema, "$defs", "skeleton", "properties")!.keys))
        let profile = object(.object(sorting: written), "skeleton", "elimination")!
        let profileSchema = object(schema, "$defs", "eliminationProfile")!
        #expect(Set(strings(profileSchema["required"])).isSubset(of: profile.keys))
        #expect(Set(profile.keys).isSubset(of: object(schema, "$defs", "eliminationProfile", "properties")!.keys))
        #expect(profile.keys.contains("keep") && profile.keys.contains("fidelity"))
        let fidelity = object(.object(sorting: written), "skeleton", "elimination", "fidelity")!
        #expect(Set(fidelity.keys) == Set(object(schema, "$defs", "eliminationProfile", "properties", "fidelity", "properties")!.keys))
        for (key, value) in [("mode", "mlerp"), ("keep", "acc-energy")] {
            let allowed = strings(object(schema, "$defs", "eliminationProfile", "properties", key)?["enum"])
            #expect(allowed.contains(value))
        }
        let dtypes = strings(object(schema, "$defs", "dtype")?["enum"])
        #expect(dtypes == DType.allCases.map(\.rawValue))
    }
}
