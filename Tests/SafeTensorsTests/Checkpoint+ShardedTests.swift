import Foundation
import Testing
import TensorCore
@testable import SafeTensors

/// Opening checkpoints: a single file, a directory with `model.safetensors`, a sharded directory.
@Suite struct CheckpointTests {
    let dir = TemporaryDirectory()

    @Test func shardedDirectoryOpensEveryShardInFileNameOrder() throws {
        let sharded = try ShardedCheckpoint(in: dir)
        let checkpoint = try Checkpoint(directory: dir.path)
        #expect(checkpoint.files.map(\.path) == [dir.file(ShardedCheckpoint.first), dir.file(ShardedCheckpoint.second)])
        #expect(checkpoint.names == ["a.weight", "b.bias", "c.weight"])
        #expect(checkpoint.metadata == ["format": "pt"])
        for (name, tensor) in sharded.tensors {
            let read = try checkpoint.tensor(name)
            #expect(read == tensor)
            #expect(read.isMapped)
            #expect(checkpoint.entry(name)?.shape == tensor.shape)
        }
        #expect(checkpoint.entry("c.weight") == checkpoint.files[1]["c.weight"])
        #expect(checkpoint.entry("nope") == nil)
        #expect(throws: SafeTensorsError.noSuchTensor(path: dir.path, tensor: "nope")) { try checkpoint.tensor("nope") }
    }

    @Test func singleFileDirectory() throws {
        let tensors = ["x": patternTensor(.f32, [2, 2]), "w": patternTensor(.i64, [1, 3])]
        try SafeTensorsWriter.write(tensors, metadata: ["format": "pt"], to: dir.file("model.safetensors"))
        let checkpoint = try Checkpoint(directory: dir.path + "/")
        #expect(checkpoint.files.count == 1)
        #expect(checkpoint.names == ["w", "x"])
        #expect(checkpoint.metadata == ["format": "pt"])
        #expect(try checkpoint.tensor("w") == tensors["w"]!)
    }

    /// Like `from_pretrained`, a present `model.safetensors` wins over an index.
    @Test func singleFileIsPreferredOverAnIndex() throws {
        _ = try ShardedCheckpoint(in: dir)
        try SafeTensorsWriter.write(["only": patternTensor(.u8, [1])], to: dir.file("model.safetensors"))
        #expect(try Checkpoint(directory: dir.path).names == ["only"])
    }

    @Test func givenFile() throws {
        let path = dir.file("adapter_model.safetensors")
        try SafeTensorsWriter.write(["lora_A": patternTensor(.f32, [4, 8])], to: path)
        let checkpoint = try Checkpoint(file: path)
        #expect(checkpoint.names == ["lora_A"])
        #expect(checkpoint.metadata.isEmpty)
        #expect(throws: SafeTensorsError.noSuchTensor(path: path, tensor: "lora_B")) { try checkpoint.tensor("lora_B") }
    }
}
