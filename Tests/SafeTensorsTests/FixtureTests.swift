import Foundation
import Testing
import TensorCore
@testable import SafeTensors

/// Committed fixtures and a real downloaded model, each skipped (not failed) when absent.
enum Fixtures {
    /// `Tests/` of this package, found from this file's path.
    static let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().path
    static let packageDirectory = URL(fileURLWithPath: testsDirectory).deletingLastPathComponent().path

    static let tinyBert = testsDirectory + "/Fixtures/tiny-bert/model.safetensors"
    static let tinyBertSharded = testsDirectory + "/Fixtures/tiny-bert-sharded"
    static let miniLM = packageDirectory + "/examples/models/all-MiniLM-L6-v2/model.safetensors"

    static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }
}

@Suite struct FixtureTests {
    @Test(.enabled(if: Fixtures.exists(Fixtures.tinyBert), "Tests/Fixtures/tiny-bert not generated"))
    func tinyBertOpensAndEveryTensorMaps() throws {
        let checkpoint = try Checkpoint(file: Fixtures.tinyBert)
        #expect(!checkpoint.names.isEmpty)
        for name in checkpoint.names {
            let tensor = try checkpoint.tensor(name)
            #expect(tensor.isMapped)
            #expect(tensor.byteCount == tensor.shape.count * tensor.dtype.size)
        }
    }

    @Test(.enabled(if: Fixtures.exists(Fixtures.tinyBertSharded + "/" + Checkpoint.indexFileName),
                   "Tests/Fixtures/tiny-bert-sharded not generated"))
    func tinyBertShardedOpensEveryShard() throws {
        let checkpoint = try Checkpoint(directory: Fixtures.tinyBertSharded)
        #expect(checkpoint.files.count >= 2)
        #expect(checkpoint.names == checkpoint.names.sorted())
        #expect(checkpoint.names.count == checkpoint.files.reduce(0) { $0 + $1.entries.count })
        for name in checkpoint.names { #expect(try checkpoint.tensor(name).isMapped) }
    }

    /// tiny-bert-sharded is tiny-bert split into shards: sharding must not change a name or a byte.
    @Test(.enabled(if: Fixtures.exists(Fixtures.tinyBert)
                   && Fixtures.exists(Fixtures.tinyBertSharded + "/" + Checkpoint.indexFileName)))
    func shardedTinyBertHasTheSameTensorsAsTinyBert() throws {
        let single = try Checkpoint(file: Fixtures.tinyBert)
        let sharded = try Checkpoint(directory: Fixtures.tinyBertSharded)
        #expect(single.names == sharded.names)
        for name in single.names where sharded.entry(name) != nil { #expect(try single.tensor(name) == sharded.tensor(name), "\(name)") }
    }

    /// sentence-transformers/all-MiniLM-L6-v2: 104 tensors, BERT with 6 layers, hidden 384.
    @Test(.enabled(if: Fixtures.exists(Fixtures.miniLM), "examples/models/all-MiniLM-L6-v2 not downloaded"))
    func miniLMHeader() throws {
        let file = try SafeTensorsFile(path: Fixtures.miniLM)
        #expect(file.entries.count == 104)
        #expect(file["embeddings.position_ids"]?.dtype == .i64)
        #expect(file["embeddings.position_ids"]?.shape == [1, 512])
        #expect(file["embeddings.word_embeddings.weight"]?.shape == [30522, 384])
        #expect(file["encoder.layer.5.intermediate.dense.weight"]?.shape == [1536, 384])
        // position_ids = 0, 1, …, 511 (oracle: BERT's registered buffer).
        let ids = try file.tensor("embeddings.position_ids").withUnsafeBytes { raw in
            (0..<512).map { i in Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self)) }
        }
        #expect(ids == (0..<512).map(Int64.init))
        let checkpoint = try Checkpoint(directory: URL(fileURLWithPath: Fixtures.miniLM).deletingLastPathComponent().path)
        #expect(checkpoint.names.count == 104)
    }

    /// Rewriting all 104 mapped tensors (streamed, ~87 MiB) and reading them back changes no byte.
    @Test(.enabled(if: Fixtures.exists(Fixtures.miniLM), "examples/models/all-MiniLM-L6-v2 not downloaded"))
    func miniLMRoundTripsThroughTheWriter() throws {
        let dir = TemporaryDirectory()
        let source = try SafeTensorsFile(path: Fixtures.miniLM)
        var tensors: [String: Tensor] = [:]
        for entry in source.entries { tensors[entry.name] = try source.tensor(entry.name) }
        let out = dir.file("model.safetensors")
        try SafeTensorsWriter.write(tensors, metadata: source.metadata, to: out, inputs: [Fixtures.miniLM])
        let copy = try SafeTensorsFile(path: out)
        #expect(copy.metadata == source.metadata)
        #expect(copy.entries.map(\.name) == source.entries.map(\.name))
        for entry in source.entries { #expect(try copy.tensor(entry.name) == tensors[entry.name]!, "\(entry.name)") }
        #expect(copy.file.count == source.file.count - source.headerByteCount + copy.headerByteCount)
    }
}
