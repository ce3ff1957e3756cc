import Testing
import TensorCore
@testable import SafeTensors

/// Messages read `<where>: <what happened>; <what to do>` (DESIGN §8).
@Suite struct SafeTensorsErrorDescriptionTests {
    @Test func outOfBoundsMessageMatchesTheStyleGuideExample() {
        let error = SafeTensorsError.offsetsOutOfBounds(
            path: "model.safetensors", tensor: "encoder.layer.0.attention.self.query.weight",
            dataOffsets: 96..<200, dataByteCount: 120)
        #expect(error.description == "model.safetensors: tensor 'encoder.layer.0.attention.self.query.weight': "
            + "data_offsets [96, 200) end beyond the data section (120 bytes); the file is truncated or corrupt, "
            + "re-download it")
    }

    @Test func byteCountMismatchSaysWhatWasNeeded() {
        let error = SafeTensorsError.byteCountMismatch(
            path: "m.safetensors", tensor: "w", dtype: .f32, shape: [2, 3], dataOffsets: 0..<20)
        #expect(error.description == "m.safetensors: tensor 'w': F32 [2, 3] needs 24 bytes but data_offsets "
            + "[0, 20) span 20; the file is truncated or corrupt, re-download it")
    }

    @Test func overlapAndGapNameTheTensors() {
        #expect(SafeTensorsError.overlappingTensors(path: "m", tensor: "b", dataOffsets: 4..<12, other: "a",
                                                    otherOffsets: 0..<8).description
            == "m: tensor 'b' at data_offsets [4, 12) overlaps tensor 'a' at [0, 8); the file is truncated or "
            + "corrupt, re-download it")
        #expect(SafeTensorsError.gap(path: "m", unclaimed: 4..<8, after: "a").description
            == "m: bytes [4, 8) of the data section belong to no tensor (after tensor 'a'); safetensors data "
            + "must be contiguous, the file is truncated or corrupt, re-download it")
    }

    @Test func tensorNotInIndexSaysTheIndexIsAuthoritative() {
        let error = SafeTensorsError.tensorNotInIndex(index: "d/model.safetensors.index.json",
                                                      shard: "model-00001-of-00002.safetensors", tensor: "x")
        #expect(error.description == "d/model.safetensors.index.json: shard 'model-00001-of-00002.safetensors' "
            + "has tensor 'x', which the weight_map does not list; the index is authoritative, re-download the "
            + "index and shards together")
    }

    /// Every case: starts with its where, has a what-to-do after "; ".
    @Test(arguments: [
        SafeTensorsError.truncated(path: "p", fileSize: 3), .emptyHeader(path: "p"),
        .headerTooLarge(path: "p", headerByteCount: 1 << 40, limit: SafeTensorsFile.maxHeaderBytes),
        .headerBeyondFile(path: "p", headerByteCount: 100, fileSize: 10), .headerNotUTF8(path: "p", offset: 3),
        .headerNotJSON(path: "p", offset: 5), .headerNotAnObject(path: "p"), .duplicateTensor(path: "p", tensor: "t"),
        .invalidEntry(path: "p", tensor: "t", problem: .missingKey("dtype")),
        .unknownDType(path: "p", tensor: "t", dtype: "X"), .invalidMetadata(path: "p", key: nil),
        .invalidMetadata(path: "p", key: "k"), .duplicateMetadataKey(path: "p", key: "k"),
        .noSuchTensor(path: "p", tensor: "t"), .notADirectory(path: "p"), .noWeights(directory: "p"),
        .invalidIndex(path: "p", problem: .emptyWeightMap), .missingShard(index: "p", shard: "s"),
        .tensorMissingFromShard(index: "p", shard: "s", tensor: "t"), .tensorNotInIndex(index: "p", shard: "s", tensor: "t"),
        .tensorInTwoShards(index: "p", tensor: "t", shard: "s", otherShard: "o"), .reservedTensorName(path: "p"),
        .file(.notARegularFile(path: "p")),
    ])
    func everyMessageHasWhereWhatAndWhatToDo(error: SafeTensorsError) {
        #expect(error.description.hasPrefix("p: "))
        #expect(error.description.contains("; "))
    }
}
