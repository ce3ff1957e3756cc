import Foundation
import Testing
import TensorCore
@testable import SafeTensors

/// Every way a checkpoint directory or its index can be wrong, matched exactly.
@Suite struct CheckpointErrorTests {
    let dir = TemporaryDirectory()

    @Test func missingDirectory() {
        let path = dir.file("absent")
        #expect(throws: SafeTensorsError.file(.cannotOpen(path: path, reason: String(cString: strerror(ENOENT))))) {
            try Checkpoint(directory: path)
        }
    }

    @Test func fileInsteadOfDirectory() throws {
        let path = dir.file("model.safetensors")
        try SafeTensorsWriter.write([:], to: path)
        #expect(throws: SafeTensorsError.notADirectory(path: path)) { try Checkpoint(directory: path) }
    }

    @Test func directoryWithoutWeights() {
        dir.writeText("{}", to: "config.json")
        #expect(throws: SafeTensorsError.noWeights(directory: dir.path)) { try Checkpoint(directory: dir.path) }
        #expect(SafeTensorsError.noWeights(directory: "m").description
            == "m: no model.safetensors or model.safetensors.index.json; expected a Hugging Face checkpoint "
            + "directory with one of them (convert .bin/.pt weights to safetensors first)")
    }

    typealias Problem = SafeTensorsError.IndexProblem

    @Test(arguments: [
        ("", Problem.notJSON(offset: 0)),
        (#"{"weight_map":{"a.weight":"x"}"#, .notJSON(offset: 30)),
        ("[]", .notAnObject),
        (#"{"metadata":{}}"#, .missingWeightMap),
        (#"{"weight_map":["a"]}"#, .weightMapNotAnObject),
        (#"{"weight_map":{}}"#, .emptyWeightMap),
        (#"{"weight_map":{"a.weight":1}}"#, .shardNotAString(tensor: "a.weight")),
        (#"{"weight_map":{"a.weight":"../model.safetensors"}}"#,
         .shardNotAFileName(tensor: "a.weight", shard: "../model.safetensors")),
        (#"{"weight_map":{"a.weight":".."}}"#, .shardNotAFileName(tensor: "a.weight", shard: "..")),
        (#"{"weight_map":{"a.weight":""}}"#, .shardNotAFileName(tensor: "a.weight", shard: "")),
        (#"{"weight_map":{"a.weight":"s","a.weight":"s"}}"#, .duplicateTensor("a.weight")),
    ])
    func malformedIndex(text: String, problem: Problem) throws {
        let sharded = try ShardedCheckpoint(in: dir)
        sharded.writeIndexText(text)
        #expect(throws: SafeTensorsError.invalidIndex(path: sharded.indexPath, problem: problem)) {
            try Checkpoint(directory: dir.path)
        }
    }

    @Test func indexNamingAMissingShard() throws {
        let sharded = try ShardedCheckpoint(in: dir)
        sharded.writeIndex(["a.weight": ShardedCheckpoint.first, "b.bias": ShardedCheckpoint.first,
                            "c.weight": "model-00003-of-00002.safetensors"])
        #expect(throws: SafeTensorsError.missingShard(index: sharded.indexPath, shard: "model-00003-of-00002.safetensors")) {
            try Checkpoint(directory: dir.path)
        }
        #expect(SafeTensorsError.missingShard(index: "d/model.safetensors.index.json", shard: "s.safetensors").description
            == "d/model.safetensors.index.json: weight_map names shard 's.safetensors', which does not exist beside "
            + "the index; download all shards into the same directory")
    }

    @Test func indexedTensorMissingFromItsShard() throws {
        let sharded = try ShardedCheckpoint(in: dir)
        // d.weight is assigned to the second shard, which does not have it.
        sharded.writeIndex(["a.weight": ShardedCheckpoint.first, "b.bias": ShardedCheckpoint.first,
                            "c.weight": ShardedCheckpoint.second, "d.weight": ShardedCheckpoint.second])
        #expect(throws: SafeTensorsError.tensorMissingFromShard(
            index: sharded.indexPath, shard: ShardedCheckpoint.second, tensor: "d.weight")) {
            try Checkpoint(directory: dir.path)
        }
    }

    /// The index is authoritative: a shard tensor it does not list is an error, not a bonus.
    @Test func shardTensorMissingFromTheIndex() throws {
        let sharded = try ShardedCheckpoint(in: dir)
        sharded.writeIndex(["a.weight": ShardedCheckpoint.first, "c.weight": ShardedCheckpoint.second])
        #expect(throws: SafeTensorsError.tensorNotInIndex(
            index: sharded.indexPath, shard: ShardedCheckpoint.first, tensor: "b.bias")) {
            try Checkpoint(directory: dir.path)
        }
    }

    @Test func sameTensorInTwoShards() throws {
        let sharded = try ShardedCheckpoint(in: dir)
        // Rewrite the second shard so that it also holds b.bias; the index keeps it in the first.
        try SafeTensorsWriter.write(["b.bias": sharded.tensors["b.bias"]!, "c.weight": sharded.tensors["c.weight"]!],
                                    to: dir.file(ShardedCheckpoint.second))
        #expect(throws: SafeTensorsError.tensorInTwoShards(
            index: sharded.indexPath, tensor: "b.bias", shard: ShardedCheckpoint.second,
            otherShard: ShardedCheckpoint.first)) {
            try Checkpoint(directory: dir.path)
        }
    }

    /// A corrupt shard reports its own path and problem.
    @Test func corruptShardIsReportedAsItself() throws {
        _ = try ShardedCheckpoint(in: dir)
        let shard = dir.write([1, 2, 3], to: ShardedCheckpoint.second)
        #expect(throws: SafeTensorsError.truncated(path: shard, fileSize: 3)) { try Checkpoint(directory: dir.path) }
    }

    @Test func corruptSingleFile() throws {
        let path = dir.write(rawSafeTensors("{}", declaredLength: 0), to: "model.safetensors")
        #expect(throws: SafeTensorsError.emptyHeader(path: path)) { try Checkpoint(directory: dir.path) }
        #expect(throws: SafeTensorsError.emptyHeader(path: path)) { try Checkpoint(file: path) }
    }
}
