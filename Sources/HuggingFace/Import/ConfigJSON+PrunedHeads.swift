extension ConfigJSON {
    /// `pruned_heads`: {"layer": [removed head indices]}, as transformers' `prune_heads` records
    /// it (and Pare's BERT and GPT-2 exports write it); transformers prunes those heads when it
    /// builds the model, so the checkpoint's q, k, v rows and o columns are the kept heads'.
    /// Returns the kept heads of each listed layer of `layers`, with `heads` heads each.
    func keptHeads(layers: Int, heads: Int) throws(ImportError) -> [Int: [Int]] {
        guard let value = self["pruned_heads"] else { return [:] }
        guard let members = value.members else { throw .configInvalid(path: path, reason: "'pruned_heads' must be an object") }
        var kept: [Int: [Int]] = [:]
        for member in members {
            let removed = member.value.arrayValue?.compactMap(\.intValue) ?? []
            guard let layer = Int(member.key), (0..<layers).contains(layer), removed.count == member.value.arrayValue?.count,
                  removed.allSatisfy({ (0..<heads).contains($0) }) else {
                throw .configInvalid(path: path, reason: "'pruned_heads' must map layer indices below \(layers) to head indices below \(heads)")
            }
            let left = (0..<heads).filter { !removed.contains($0) }
            guard !left.isEmpty else {
                throw .configInvalid(path: path, reason: "'pruned_heads' removes every head of layer \(layer)")
            }
            kept[layer] = left
        }
        return kept
    }
}
