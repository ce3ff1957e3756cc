import JSON
import TensorCore

/// Sharded checkpoints: `model.safetensors.index.json` is
/// `{"metadata": {...}, "weight_map": {"<tensor>": "<shard file name>", ...}}`.
extension Checkpoint {
    /// Opens every shard the index names (sorted by file name) and checks, shard by shard in
    /// that order and tensor by tensor in name order, that the shards hold exactly the index's
    /// tensors: a shard tensor the index assigns elsewhere is in two shards, one it does not list
    /// is an error (the index is authoritative), and one the index assigns to a shard must be in it.
    init(path: String, index: String) throws(SafeTensorsError) {
        let weightMap = try Checkpoint.readWeightMap(index)
        let directory = String(index.dropLast(Checkpoint.indexFileName.count))
        let shardNames = Set(weightMap.values).sorted()
        var files: [SafeTensorsFile] = []
        for shard in shardNames {
            let shardPath = directory + shard
            guard Checkpoint.exists(shardPath) else { throw .missingShard(index: index, shard: shard) }
            files.append(try SafeTensorsFile(path: shardPath))
        }
        for (shard, file) in zip(shardNames, files) {
            for entry in file.entries {
                guard let assigned = weightMap[entry.name] else {
                    throw .tensorNotInIndex(index: index, shard: shard, tensor: entry.name)
                }
                guard assigned == shard else {
                    throw .tensorInTwoShards(index: index, tensor: entry.name, shard: shard, otherShard: assigned)
                }
            }
        }
        for (tensor, shard) in weightMap.sorted(by: { $0.key < $1.key }) {
            let file = files[shardNames.firstIndex(of: shard)!]
            guard file[tensor] != nil else {
                throw .tensorMissingFromShard(index: index, shard: shard, tensor: tensor)
            }
        }
        self.init(path: path, files: files)
    }

    /// The index's `weight_map`: tensor name → shard file name (a plain name beside the index).
    static func readWeightMap(_ index: String) throws(SafeTensorsError) -> [String: String] {
        func fail(_ problem: SafeTensorsError.IndexProblem) -> SafeTensorsError {
            .invalidIndex(path: index, problem: problem)
        }
        let file: MappedFile
        do {
            file = try MappedFile(path: index)
        } catch {
            throw .file(error)
        }
        let parsed = file.withBytes(in: 0..<file.count) {
            (bytes: UnsafeRawBufferPointer) -> Result<JSONValue, SafeTensorsError> in
            do throws(JSONError) {
                return .success(try JSONParser.parse(bytes, limits: SafeTensorsFile.headerLimits))
            } catch {
                return .failure(fail(.notJSON(offset: error.offset ?? 0)))
            }
        }
        guard case let .object(top) = try parsed.get() else { throw fail(.notAnObject) }
        guard let weightMapValue = top.last(where: { $0.key == "weight_map" })?.value else {
            throw fail(.missingWeightMap)
        }
        guard case let .object(members) = weightMapValue else { throw fail(.weightMapNotAnObject) }
        guard !members.isEmpty else { throw fail(.emptyWeightMap) }
        var weightMap: [String: String] = [:]
        for member in members {
            guard case let .string(shard) = member.value else { throw fail(.shardNotAString(tensor: member.key)) }
            guard !shard.isEmpty, shard != ".", shard != "..", !shard.contains("/") else {
                throw fail(.shardNotAFileName(tensor: member.key, shard: shard))
            }
            guard weightMap.updateValue(shard, forKey: member.key) == nil else {
                throw fail(.duplicateTensor(member.key))
            }
        }
        return weightMap
    }
}
