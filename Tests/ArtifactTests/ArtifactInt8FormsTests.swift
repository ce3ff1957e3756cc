import Foundation
import ModelIR
import Testing
import TensorCore
@testable import Artifact
import HuggingFace

/// The int8 forms (per-group `int8`, `sparseInt8`, `lowRankInt8`) through a `.pare` file and
/// the Hugging Face export. Oracles: the model written (bytewise), a second write (identical
/// bytes), and `ModelForms.dequantized` / `ModelForms.product` for the dense weights.
@Suite final class ArtifactInt8FormsTests {
    /// Removed with everything in it when the test ends.
    let scratch = ArtifactFixtures.temporaryDirectory()
    deinit { try? FileManager.default.removeItem(atPath: scratch) }

    /// tiny BERT with blocks.0.mlp.up int8 per group of 8, blocks.1.attention.o 2:4 sparse int8
    /// per group of 16, blocks.1.mlp.down low-rank int8 (r = 3).
    static func model(fixture: String = "tiny-bert") throws -> Model {
        var model = try ArtifactFixtures.model(fixture)
        guard case let .dense(up) = model.blocks[0].mlp.up.weight, case let .dense(o) = model.blocks[1].attention.o.weight else {
            throw ArtifactError.unknownTensor(path: fixture, name: "dense weights")
        }
        let (values, scales) = ModelForms.int8(up, groupSize: 8)
        model.blocks[0].mlp.up.weight = .int8(values: values, scales: scales)
        var w = o.floats(), mask = [UInt8](repeating: 0, count: 32 * 4)
        for i in w.indices {
            if (i % 32) % 4 < 2 { w[i] = 0 } else { mask[(i / 32) * 4 + (i % 32) / 8] |= 1 << (i % 8) }
        }
        let (sparse, sparseScales) = ModelForms.int8(Tensor(w, shape: [32, 32]), groupSize: 16)
        model.blocks[1].attention.o.weight = .sparseInt8(values: sparse, scales: sparseScales, mask: Tensor(dtype: .u8, shape: [32, 4], bytes: mask),
                                                         pattern: .nOfM(n: 2, m: 4), nonzeros: 512)
        let (u, v) = ModelForms.lowRank(out: 32, in: 37, rank: 3, seed: 9)
        let (qu, uScales) = ModelForms.int8(u), (qv, vScales) = ModelForms.int8(v)
        model.blocks[1].mlp.down.weight = .lowRankInt8(u: qu, uScales: uScales, v: qv, vScales: vScales)
        #expect(model.verify().isEmpty)
        return model
    }

    @Test func int8FormsRoundTripByteIdentically() throws {
        let model = try Self.model()
        let dir = ArtifactFixtures.temporaryDirectory(in: scratch)
        try ArtifactFixtures.write(model, fixture: "tiny-bert", to: dir + "/a.pare")
        let reader = try ArtifactReader(path: dir + "/a.pare")
        #expect(reader.verify().isEmpty)
        #expect(reader.manifest.skeleton == model.skeleton)
        let back = try reader.model()
        #expect(back == model)
        for name in ["blocks.1.mlp.down.u", "blocks.1.mlp.down.u-scales", "blocks.1.mlp.down.v", "blocks.1.mlp.down.v-scales",
                     "blocks.1.attention.o.values", "blocks.1.attention.o.scales", "blocks.1.attention.o.mask",
                     "blocks.0.mlp.up.values", "blocks.0.mlp.up.scales"] {
            let written = try #require(model.namedTensors.first { $0.name == name }?.tensor)
            let read = try reader.tensor(name)
            #expect(read.dtype == written.dtype && read.shape == written.shape, "\(name)")
            #expect(read.withUnsafeBytes { Array($0) } == written.withUnsafeBytes { Array($0) }, "\(name): bytes")
        }
        #expect(try reader.record("blocks.1.mlp.down.u").encoding == .zstd)
        #expect(try reader.record("blocks.1.mlp.down.v-scales").encoding == .zstdShuffled)
        // What was read writes the same file again.
        try ArtifactFixtures.write(back, fixture: "tiny-bert", to: dir + "/b.pare")
        #expect(try ArtifactFixtures.bytes(dir + "/a.pare") == ArtifactFixtures.bytes(dir + "/b.pare"))
    }

    /// Densify: s[o, i / g]·q for int8 and sparse int8 (zeros stay 0), u_deq·v_deq for low-rank int8.
    @Test func densifyGivesTheDequantizedWeight() throws {
        let model = try Self.model()
        guard case let .int8(values, scales) = model.blocks[0].mlp.up.weight,
              case let .sparseInt8(sparse, sparseScales, mask, _, _) = model.blocks[1].attention.o.weight,
              case let .lowRankInt8(u, uScales, v, vScales) = model.blocks[1].mlp.down.weight else { Issue.record("forms"); return }
        #expect(Densify.weight(model.blocks[0].mlp.up.weight).floats() == ModelForms.dequantized(values, scales))
        let o = Densify.weight(model.blocks[1].attention.o.weight)
        #expect(o.shape == [32, 32] && o.floats() == ModelForms.dequantized(sparse, sparseScales))
        let bits = mask.withUnsafeBytes { Array($0) }
        #expect(o.floats().indices.allSatisfy { bits[($0 / 32) * 4 + ($0 % 32) / 8] & (1 << ($0 % 8)) != 0 || o.floats()[$0] == 0 })
        let down = Densify.weight(model.blocks[1].mlp.down.weight)
        let expected = ModelForms.product(Tensor(ModelForms.dequantized(u, uScales), shape: [32, 3]),
                                          Tensor(ModelForms.dequantized(v, vScales), shape: [3, 37]))
        #expect(down.shape == [32, 37] && zip(down.floats(), expected).allSatisfy { abs($0 - $1) <= 1e-6 })
    }

    /// `pare export`: the HF directory holds the dequantized dense weights.
    @Test func hfExportWritesTheDequantizedWeights() throws {
        let model = try Self.model()
        let out = ArtifactFixtures.temporaryDirectory(in: scratch) + "/export"
        try HFExport.write(model: model, sourceConfig: try ArtifactFixtures.sourceConfig("tiny-bert"), tokenizerFiles: [:], to: out)
        let back = try ArtifactFixtures.model(at: out)
        for (path, linear) in model.linears {
            guard case let .dense(w)? = back.linear(at: path)?.weight else { Issue.record("\(path): not dense"); continue }
            #expect(w.floats() == Densify.weight(linear.weight).converted(to: .f32).floats(), "\(path)")
        }
    }
}
