import Artifact
import ModelIR
import TensorCore

extension ExportConfig {
    /// w, the one MLP width of `blocks` (d_ff of every block's up projection), which a config.json
    /// holds in one field (`intermediate_size`, `n_inner`, `d_ff`); blocks of different widths
    /// are refused, naming them.
    static func uniformMLPWidth(_ blocks: [Block<Tensor>], field: String, path: String) throws(ArtifactError) -> Int? {
        let widths = blocks.map(\.mlp.up.outFeatures)
        guard Set(widths).count > 1 else { return widths.first }
        throw .exportUnsupported(path: path, reason: "blocks have different MLP widths (\(byValue(widths.map(String.init)))), which one '\(field)' in config.json cannot express; prune with ffn-prune{fraction=…}, which keeps one width in every block (global-fraction prunes blocks unevenly)")
    }

    /// (h, g), the query and key/value heads every block of `attentions` keeps, each key/value
    /// head read by h/g of them, as `num_attention_heads` and `num_key_value_heads` say for all
    /// layers at once; other shapes are refused, naming the blocks of each shape.
    static func uniformHeads(_ attentions: [Attention<Tensor>], architecture: Architecture, path: String) throws(ArtifactError) -> (h: Int, g: Int) {
        let shapes = attentions.map { a in "\(a.keptHeads.count) query / \(a.keptKVHeads.count) key-value heads" }
        let uneven = attentions.indices.filter { i in
            let a = attentions[i]
            return Set(a.keptKVHeads.map { g in a.keptHeads.filter { $0 / a.queriesPerKVHead == g }.count }).count > 1
        }
        guard Set(shapes).count == 1, uneven.isEmpty, let a = attentions.first else {
            let groups = uneven.isEmpty ? "" : "; \(blocks(uneven)) keep key/value heads read by different numbers of query heads"
            throw .exportUnsupported(path: path, reason: "blocks keep different attention heads (\(byValue(shapes)))\(groups), which one \(architecture.rawValue) config.json (num_attention_heads, num_key_value_heads) cannot express; prune with head-prune{fraction=…}, which removes the same number of whole key/value groups in every block (heads= and global-fraction prune blocks unevenly)")
        }
        return (a.keptHeads.count, a.keptKVHeads.count)
    }

    /// "blocks 0, 2: x; block 1: y": block indices grouped by value, in order of first appearance.
    static func byValue(_ values: [String]) -> String {
        var order: [String] = [], indices: [String: [Int]] = [:]
        for (i, v) in values.enumerated() {
            if indices[v] == nil { order.append(v) }
            indices[v, default: []].append(i)
        }
        return order.map { "\(blocks(indices[$0]!)): \($0)" }.joined(separator: "; ")
    }

    /// "block 3" or "blocks 0, 2".
    static func blocks(_ indices: [Int]) -> String {
        (indices.count == 1 ? "block " : "blocks ") + indices.map(String.init).joined(separator: ", ")
    }
}
