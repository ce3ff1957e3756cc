import Foundation
import ModelIR
import Testing
import TensorCore
@testable import Artifact

/// Raw frames (format version 2): large tensors stored as their bytes at 64-byte-aligned file
/// offsets, mapped at load instead of decoded. Oracle: the model written, bit for bit.
@Suite final class ArtifactRawFrameTests {
    /// Removed with everything in it when the test ends.
    let scratch = ArtifactFixtures.temporaryDirectory()
    deinit { try? FileManager.default.removeItem(atPath: scratch) }

    /// tiny-bert with a random 50 000 × 32 f32 embedding (6.4 MB, which zstd shrinks by ~8%).
    static func modelWithLargeEmbedding() throws -> Model {
        var model = try ArtifactFixtures.model("tiny-bert")
        var rng = SplitMix64(seed: 5)
        model.config.vocabSize = 50_000
        model.embeddings.word = Tensor((0..<(50_000 * 32)).map { _ in rng.normal(standardDeviation: 0.02) }, shape: [50_000, 32])
        return model
    }

    /// With a 4 KiB threshold every weight matrix of tiny-bert (4 KiB f32 and up) is raw: the
    /// records say so, each frame starts at a multiple of 64 in the file, the loaded tensors are
    /// the mapping itself (64-byte-aligned addresses) and the model round-trips exactly.
    @Test func rawFramesRoundTripMappedAndAligned() throws {
        let model = try Self.modelWithLargeEmbedding()
        let path = scratch + "/raw.pare"
        try ArtifactFixtures.write(model, fixture: "tiny-bert", to: path, options: .init(rawFrameMinBytes: 4096))
        let reader = try ArtifactReader(path: path)
        let raw = reader.manifest.tensors.filter { $0.encoding == .raw }
        #expect(raw.contains { $0.name == "embeddings.word" })
        #expect(raw.contains { $0.name == "blocks.0.mlp.up.weight" })
        #expect(reader.manifest.tensors.allSatisfy { $0.encoding == .raw || $0.bytes < 4096 })
        #expect(reader.dataStart % 64 == 0)
        for r in raw {
            #expect(r.compressedBytes == r.bytes && (reader.dataStart + r.offset) % 64 == 0, "\(r.name)")
        }
        let loaded = try reader.model()
        #expect(loaded == model)
        #expect(reader.verify().isEmpty)
        for (name, tensor) in loaded.namedTensors where raw.contains(where: { $0.name == name }) {
            #expect(tensor.isMapped, "\(name)")
            #expect(tensor.withUnsafeBytes { Int(bitPattern: $0.baseAddress) % 64 } == 0, "\(name)")
        }
    }

    /// The default threshold (1 MiB) stores the 6.4 MB embedding raw and the rest compressed; the
    /// file is the same whatever the worker count.
    @Test func defaultPolicyIsDeterministicAcrossWorkers() throws {
        let model = try Self.modelWithLargeEmbedding()
        var files: [[UInt8]] = []
        for workers in [1, 2] {
            let path = scratch + "/w\(workers).pare"
            try ArtifactFixtures.write(model, fixture: "tiny-bert", to: path, options: .init(workers: workers))
            files.append(try ArtifactFixtures.bytes(path))
        }
        #expect(files[0] == files[1])
        let reader = try ArtifactReader(path: scratch + "/w1.pare")
        #expect(try reader.record("embeddings.word").encoding == .raw)
        #expect(reader.manifest.tensors.filter { $0.encoding == .raw }.map(\.name) == ["embeddings.word"])
        #expect(try reader.model() == model)
    }

    /// A large tensor zstd shrinks by more than half (zeros) stays compressed.
    @Test func compressibleLargeTensorsStayCompressed() throws {
        var model = try Self.modelWithLargeEmbedding()
        model.embeddings.word = Tensor([Float](repeating: 0, count: 50_000 * 32), shape: [50_000, 32])
        let path = scratch + "/zeros.pare"
        try ArtifactFixtures.write(model, fixture: "tiny-bert", to: path)
        let reader = try ArtifactReader(path: path)
        #expect(try reader.record("embeddings.word").encoding == .zstdShuffled)
        #expect(try reader.model() == model)
        #expect(RawFramePolicy(minBytes: 100).storesRaw(bytes: 100, compressedBytes: 51))
        #expect(!RawFramePolicy(minBytes: 100).storesRaw(bytes: 100, compressedBytes: 50))
        #expect(!RawFramePolicy(minBytes: 101).storesRaw(bytes: 100, compressedBytes: 100))
    }

    /// A damaged raw frame loads (it is not hashed at load) but `verify()` and a hashing read
    /// catch it; a raw frame off its alignment or of the wrong length, or non-zero padding before
    /// the data section, fails on opening.
    @Test func damageToRawFramesIsCaught() throws {
        let model = try Self.modelWithLargeEmbedding()
        let path = scratch + "/good.pare"
        try ArtifactFixtures.write(model, fixture: "tiny-bert", to: path)
        let good = try ArtifactReader(path: path)
        let r = try good.record("embeddings.word")
        var bytes = try ArtifactFixtures.bytes(path)

        var flipped = bytes
        flipped[good.dataStart + r.offset + 1000] ^= 0x40
        let flippedPath = scratch + "/flipped.pare"
        try ArtifactFixtures.writeBytes(flipped, to: flippedPath)
        let reader = try ArtifactReader(path: flippedPath)
        #expect(try reader.model() != model)
        let actual = try reader.tensor("embeddings.word", hashingRaw: false).withUnsafeBytes { SHA256Hex.of($0) }
        let mismatch = ArtifactError.checksumMismatch(path: flippedPath, name: "embeddings.word", expected: r.sha256, actual: actual)
        #expect(reader.verify() == [mismatch])
        #expect(ArtifactFixtures.error { try reader.model(hashingRaw: true) } == mismatch)

        let manifestEnd = 32 + Int(ArtifactLayout.Preamble(Array(bytes[0..<32])).manifestFrameBytes)
        if manifestEnd < good.dataStart {
            bytes[manifestEnd] = 1
            let paddedPath = scratch + "/padding.pare"
            try ArtifactFixtures.writeBytes(bytes, to: paddedPath)
            #expect(ArtifactFixtures.error { try ArtifactReader(path: paddedPath) }
                    == .corruptManifest(path: paddedPath, reason: "the \(good.dataStart - manifestEnd) bytes between its frame and the data section are not all zero"))
        }

        let hostile = try HostileArtifacts(directory: scratch)
        let shifted = try hostile.rewritten { m, _ in
            let i = m.tensors.firstIndex { $0.name == "embeddings.word" }!
            m.tensors[i].encoding = .raw
        }
        let shiftedPath = scratch + "/shifted.pare"
        try ArtifactFixtures.writeBytes(shifted, to: shiftedPath)
        let word = hostile.manifest.tensors.first { $0.name == "embeddings.word" }!
        #expect(ArtifactFixtures.error { try ArtifactReader(path: shiftedPath) }
                == .invalidRawFrame(path: shiftedPath, name: "embeddings.word",
                                    reason: "is \(word.compressedBytes) bytes, the tensor \(word.bytes)"))
        #expect(ArtifactError.invalidRawFrame(path: "m.pare", name: "w", reason: "starts at file offset 100, not a multiple of 64").description
                == "m.pare: tensor 'w' raw frame starts at file offset 100, not a multiple of 64; the file is damaged or was not written by Pare; compile it again")
    }

    /// An artifact written by Pare before raw frames (format version 1: zstd frames right after
    /// the manifest; `pare compile Tests/Fixtures/tiny-llama --recipe "cast{dtype=bf16}"` at
    /// commit 7a38639) still opens, verifies, and gives the tensors its manifest's SHA-256s name;
    /// written again, it becomes a version-2 file with the same tensors.
    @Test func formatVersionOneStillLoads() throws {
        let old = ArtifactFixtures.fixtures + "/golden/tiny-llama-bf16-v1.pare"
        let reader = try ArtifactReader(path: old)
        #expect(reader.manifest.formatVersion == 1)
        #expect(reader.dataStart == 32 + Int(ArtifactLayout.Preamble(Array(try ArtifactFixtures.bytes(old)[0..<32])).manifestFrameBytes))
        #expect(reader.verify().isEmpty)
        let model = try reader.model()
        #expect(model.namedTensors.contains { $0.tensor.dtype == .bf16 })

        let path = scratch + "/rewritten.pare"
        try ArtifactFixtures.write(model, fixture: "tiny-llama", to: path, options: .init(rawFrameMinBytes: 1024))
        let rewritten = try ArtifactReader(path: path)
        #expect(rewritten.manifest.formatVersion == 2)
        #expect(rewritten.manifest.tensors.contains { $0.encoding == .raw })
        #expect(try rewritten.model() == model)
        #expect(rewritten.manifest.tensors.map(\.sha256) == reader.manifest.tensors.map(\.sha256))
    }
}
