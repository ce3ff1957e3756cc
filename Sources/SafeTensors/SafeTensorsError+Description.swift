import TensorCore

extension SafeTensorsError {
    public var description: String {
        let corrupt = "the file is truncated or corrupt, re-download it"
        switch self {
        case let .file(error):
            return error.description
        case let .truncated(path, fileSize):
            return "\(path): \(fileSize) bytes, shorter than the 8-byte header length; \(corrupt)"
        case let .emptyHeader(path):
            return "\(path): header length is 0; not a safetensors file, or \(corrupt)"
        case let .headerTooLarge(path, n, limit):
            return "\(path): header length \(n) bytes exceeds the \(limit)-byte limit; "
                + "not a safetensors file, or \(corrupt)"
        case let .headerBeyondFile(path, n, fileSize):
            return "\(path): header of \(n) bytes ends at byte \(8 + n), beyond the end of the file "
                + "(\(fileSize) bytes); \(corrupt)"
        case let .headerNotUTF8(path, offset):
            return "\(path): header is not UTF-8 (invalid byte at header offset \(offset)); \(corrupt)"
        case let .headerNotJSON(path, offset):
            return "\(path): header is not valid JSON (parsing stopped at header offset \(offset)); \(corrupt)"
        case let .headerNotAnObject(path):
            return "\(path): header is JSON but not an object of tensors; \(corrupt)"
        case let .duplicateTensor(path, tensor):
            return "\(path): key '\(tensor)' appears twice in the header; \(corrupt)"
        case let .invalidEntry(path, tensor, problem):
            return "\(path): tensor '\(tensor)': \(problem.description); "
                + "expected {\"dtype\": \"F32\", \"shape\": [..], \"data_offsets\": [begin, end]}, \(corrupt)"
        case let .unknownDType(path, tensor, dtype):
            let known = DType.allCases.map(\.safetensorsName).joined(separator: ", ")
            return "\(path): tensor '\(tensor)': unknown dtype '\(dtype)'; Pare reads \(known)"
                + " — convert the checkpoint to one of them"
        case let .invalidMetadata(path, key):
            let what = key.map { "value of '\($0)' in __metadata__ is not a string" }
                ?? "__metadata__ is not an object"
            return "\(path): \(what); __metadata__ must map strings to strings, fix or remove it"
        case let .duplicateMetadataKey(path, key):
            return "\(path): key '\(key)' appears twice in __metadata__; the writer was non-conforming, re-save the file with unique keys"
        case let .offsetsOutOfBounds(path, tensor, offsets, dataByteCount):
            return "\(path): tensor '\(tensor)': data_offsets \(Self.format(offsets)) end beyond the data "
                + "section (\(dataByteCount) bytes); \(corrupt)"
        case let .byteCountMismatch(path, tensor, dtype, shape, offsets):
            return "\(path): tensor '\(tensor)': \(dtype.safetensorsName) \(shape) needs "
                + "\(Self.byteCount(dtype, shape)) bytes but data_offsets \(Self.format(offsets)) span "
                + "\(offsets.count); \(corrupt)"
        case let .overlappingTensors(path, tensor, offsets, other, otherOffsets):
            return "\(path): tensor '\(tensor)' at data_offsets \(Self.format(offsets)) overlaps tensor "
                + "'\(other)' at \(Self.format(otherOffsets)); \(corrupt)"
        case let .gap(path, unclaimed, after):
            let position = after.map { "after tensor '\($0)'" } ?? "at the start of the data section"
            return "\(path): bytes \(Self.format(unclaimed)) of the data section belong to no tensor "
                + "(\(position)); safetensors data must be contiguous, \(corrupt)"
        case let .noSuchTensor(path, tensor):
            return "\(path): no tensor named '\(tensor)'; list the tensors with `pare inspect \(path)`"
        case let .notADirectory(path):
            return "\(path): not a directory; pass a checkpoint directory, or the .safetensors file itself"
        case let .noWeights(directory):
            return "\(directory): no model.safetensors or model.safetensors.index.json; expected a Hugging Face "
                + "checkpoint directory with one of them (convert .bin/.pt weights to safetensors first)"
        case let .invalidIndex(path, problem):
            return "\(path): \(problem.description); re-download the index or regenerate it with the shards"
        case let .missingShard(index, shard):
            return "\(index): weight_map names shard '\(shard)', which does not exist beside the index; "
                + "download all shards into the same directory"
        case let .tensorMissingFromShard(index, shard, tensor):
            return "\(index): tensor '\(tensor)' is assigned to shard '\(shard)', whose header does not have it; "
                + "the index and shards are from different versions, re-download them together"
        case let .tensorNotInIndex(index, shard, tensor):
            return "\(index): shard '\(shard)' has tensor '\(tensor)', which the weight_map does not list; "
                + "the index is authoritative, re-download the index and shards together"
        case let .tensorInTwoShards(index, tensor, shard, otherShard):
            return "\(index): tensor '\(tensor)' is in shard '\(shard)' and in shard '\(otherShard)'; "
                + "the index and shards are from different versions, re-download them together"
        case let .reservedTensorName(path):
            return "\(path): a tensor is named '__metadata__', which safetensors reserves; rename it"
        }
    }

    /// `[96, 200)`
    static func format(_ range: Range<Int>) -> String { "[\(range.lowerBound), \(range.upperBound))" }

    /// shape.count × dtype.size as text, without trapping on overflow.
    static func byteCount(_ dtype: DType, _ shape: Shape) -> String {
        checkedByteCount(dtype, shape).map(String.init) ?? "more than \(Int.max)"
    }
}

extension SafeTensorsError.EntryProblem: CustomStringConvertible {
    public var description: String {
        switch self {
        case .notAnObject: "entry is not an object"
        case let .missingKey(key): "entry has no '\(key)'"
        case let .unexpectedKey(key): "entry has an unexpected key '\(key)'"
        case let .duplicateKey(key): "entry has '\(key)' twice"
        case .dtypeNotAString: "dtype is not a string"
        case .shapeNotNonNegativeIntegers: "shape is not an array of non-negative integers"
        case .shapeTooLarge: "shape has more than \(Int.max) elements"
        case .dataOffsetsNotTwoNonNegativeIntegers: "data_offsets is not two non-negative integers"
        case let .dataOffsetsReversed(begin, end): "data_offsets [\(begin), \(end)] ends before it begins"
        }
    }
}

extension SafeTensorsError.IndexProblem: CustomStringConvertible {
    public var description: String {
        switch self {
        case let .notJSON(offset): "not valid UTF-8 JSON (parsing stopped at byte \(offset))"
        case .notAnObject: "not a JSON object"
        case .missingWeightMap: "no \"weight_map\""
        case .weightMapNotAnObject: "\"weight_map\" is not an object"
        case .emptyWeightMap: "\"weight_map\" is empty"
        case let .duplicateTensor(tensor): "\"weight_map\" lists tensor '\(tensor)' twice"
        case let .shardNotAString(tensor): "\"weight_map\" value of tensor '\(tensor)' is not a file name string"
        case let .shardNotAFileName(tensor, shard):
            "\"weight_map\" assigns tensor '\(tensor)' to '\(shard)', which is not a file name beside the index"
        }
    }
}

/// shape.count × dtype.size, nil when it overflows `Int` (dims multiplied left to right,
/// as `Shape.count` does, so a non-nil result means `Shape.count` is safe to call).
func checkedByteCount(_ dtype: DType, _ shape: Shape) -> Int? {
    guard let count = checkedElementCount(shape.dims) else { return nil }
    let (bytes, overflow) = count.multipliedReportingOverflow(by: dtype.size)
    return overflow ? nil : bytes
}

/// Product of `dims` left to right; nil when any partial product overflows.
func checkedElementCount(_ dims: [Int]) -> Int? {
    var count = 1
    for d in dims {
        let (next, overflow) = count.multipliedReportingOverflow(by: d)
        if overflow { return nil }
        count = next
    }
    return count
}
