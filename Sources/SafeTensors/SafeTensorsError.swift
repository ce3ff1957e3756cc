import TensorCore

/// Everything that can be wrong with a safetensors file, a sharded checkpoint or a write.
///
/// Each case carries what its message needs (paths, tensor names, numbers), so tests can match
/// errors exactly. `description` reads `<where>: <what happened>; <what to do>` (DESIGN §8);
/// the CLI prints it after `error: `. Offsets named `dataOffsets` are the header's
/// `data_offsets`, relative to the start of the data section (byte `8 + N` of the file).
public enum SafeTensorsError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Opening, mapping or writing a file failed.
    case file(FileError)

    // MARK: Framing: 8-byte little-endian header length N, N bytes of JSON, then the data.

    /// Fewer than the 8 bytes of the header length.
    case truncated(path: String, fileSize: Int)
    /// N = 0.
    case emptyHeader(path: String)
    /// N > `SafeTensorsFile.maxHeaderBytes`.
    case headerTooLarge(path: String, headerByteCount: UInt64, limit: Int)
    /// 8 + N > file size.
    case headerBeyondFile(path: String, headerByteCount: Int, fileSize: Int)
    /// The header bytes are not UTF-8; `offset` is into the header.
    case headerNotUTF8(path: String, offset: Int)
    /// The header is not JSON; `offset` is where parsing stopped, into the header.
    case headerNotJSON(path: String, offset: Int)
    /// The header is JSON but not an object.
    case headerNotAnObject(path: String)

    // MARK: Header contents.

    /// The same key (a tensor name, or `__metadata__`) appears twice in one header.
    case duplicateTensor(path: String, tensor: String)
    /// An entry is not `{"dtype": String, "shape": [Int], "data_offsets": [Int, Int]}`.
    case invalidEntry(path: String, tensor: String, problem: EntryProblem)
    /// A dtype string Pare does not know.
    case unknownDType(path: String, tensor: String, dtype: String)
    /// `__metadata__` is not a string→string object; `key` names the first non-string value.
    case invalidMetadata(path: String, key: String?)
    /// A key appears twice in `__metadata__`.
    case duplicateMetadataKey(path: String, key: String)

    // MARK: Layout of the data section.

    /// `dataOffsets.upperBound` > the data section's size.
    case offsetsOutOfBounds(path: String, tensor: String, dataOffsets: Range<Int>, dataByteCount: Int)
    /// `dataOffsets.count` ≠ shape.count × dtype.size.
    case byteCountMismatch(path: String, tensor: String, dtype: DType, shape: Shape, dataOffsets: Range<Int>)
    /// Two tensors share bytes (the second in offset order is `tensor`).
    case overlappingTensors(path: String, tensor: String, dataOffsets: Range<Int>,
                            other: String, otherOffsets: Range<Int>)
    /// Bytes `unclaimed` of the data section belong to no tensor (the first such hole);
    /// `after` is the tensor that ends where the hole starts, nil at the start of the section.
    case gap(path: String, unclaimed: Range<Int>, after: String?)

    // MARK: Lookup.

    /// `tensor(_:)` of a name the file or checkpoint does not have.
    case noSuchTensor(path: String, tensor: String)

    // MARK: Checkpoint directories.

    /// `Checkpoint(directory:)` of something that is not a directory.
    case notADirectory(path: String)
    /// Neither `model.safetensors` nor `model.safetensors.index.json` in the directory.
    case noWeights(directory: String)
    /// `model.safetensors.index.json` is malformed.
    case invalidIndex(path: String, problem: IndexProblem)
    /// The index's `weight_map` names a shard file that does not exist.
    case missingShard(index: String, shard: String)
    /// The index assigns `tensor` to `shard`, whose header does not have it.
    case tensorMissingFromShard(index: String, shard: String, tensor: String)
    /// `shard` has a tensor the index does not list.
    case tensorNotInIndex(index: String, shard: String, tensor: String)
    /// `tensor` is in `shard` and in `otherShard` (the one the index assigns it to).
    case tensorInTwoShards(index: String, tensor: String, shard: String, otherShard: String)

    // MARK: Writing.

    /// A tensor named `__metadata__`, which the format reserves.
    case reservedTensorName(path: String)

    /// What is wrong with one header entry.
    public enum EntryProblem: Equatable, Sendable {
        case notAnObject
        case missingKey(String)
        case unexpectedKey(String)
        case duplicateKey(String)
        case dtypeNotAString
        case shapeNotNonNegativeIntegers
        /// The element count (product of the dims, left to right) overflows `Int`.
        case shapeTooLarge
        case dataOffsetsNotTwoNonNegativeIntegers
        case dataOffsetsReversed(begin: Int, end: Int)
    }

    /// What is wrong with `model.safetensors.index.json`.
    public enum IndexProblem: Equatable, Sendable {
        /// Not UTF-8 JSON; `offset` is where parsing stopped.
        case notJSON(offset: Int)
        case notAnObject
        case missingWeightMap
        case weightMapNotAnObject
        case emptyWeightMap
        case duplicateTensor(String)
        case shardNotAString(tensor: String)
        /// A shard must be a plain file name beside the index (no `/`, not `.` or `..`).
        case shardNotAFileName(tensor: String, shard: String)
    }
}
