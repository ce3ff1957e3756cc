import Foundation
import ModelIR
import TensorCore

/// T5's relative position bias in a graph, from the IR's description (`RelativePositions`,
/// the stack's table [buckets, H]) as data: the bucket of a pair depends only on the distance
/// r = key − query, and is constant beyond |r| = maxDistance (the last bucket of its half), so
/// the export tabulates b_r = table[bucket(r)] [2·maxDistance + 1, H] once with the runtime's
/// own `RelativePositions.bucket`, and the graph only clips r and gathers:
///
///     r [S, T] = keys[j] − queries[i],  b [1, H, S, T] = Transpose(Gather(b_r, clip(r, −D, D) + D))
///
/// for query positions `queries` int64 [S] and key positions `keys` int64 [T].
enum RelativeBiasGraph {
    /// b [1, H, S, T]; nodes and the table named under `path` (`encoder.relative_bias`).
    static func bias(_ table: Tensor, _ scheme: RelativePositions, heads: Int, bidirectional: Bool,
                     queries: String, keys: String, path: String, _ g: GraphBuilder) -> String {
        let d = scheme.maxDistance
        let values = WeightLayout.floats(table)
        var byDistance: [Float] = []
        byDistance.reserveCapacity((2 * d + 1) * heads)
        for r in -d...d {
            let bucket = scheme.bucket(query: 0, key: r, bidirectional: bidirectional)
            byDistance += values[(bucket * heads)..<((bucket + 1) * heads)]
        }
        let rows = g.initializer("\(path).by_distance", floats: byDistance, dims: [2 * d + 1, heads])
        let k = g.op("Unsqueeze", [keys, g.constant(int64s: [0], dims: [1])], name: "\(path)/Unsqueeze_keys")           // [1, T]
        let q = g.op("Unsqueeze", [queries, g.constant(int64s: [1], dims: [1])], name: "\(path)/Unsqueeze_queries")     // [S, 1]
        let r = g.op("Sub", [k, q], name: "\(path)/Sub_distance")                                                      // [S, T]
        let clipped = g.op("Clip", [r, g.constant(int64s: [Int64(-d)], dims: []), g.constant(int64s: [Int64(d)], dims: [])],
                           name: "\(path)/Clip_distance")
        let index = g.op("Add", [clipped, g.constant(int64s: [Int64(d)], dims: [])], name: "\(path)/Add_offset")
        let gathered = g.op("Gather", [rows, index], name: "\(path)/Gather")                                          // [S, T, H]
        let perHead = g.op("Transpose", [gathered], name: "\(path)/Transpose", attributes: [Attribute.ints("perm", [2, 0, 1])])
        return g.op("Unsqueeze", [perHead, g.constant(int64s: [0], dims: [1])], name: "\(path)/Unsqueeze")
    }

    /// `bias` [B, H, S, T] narrowed to a layer's kept heads (original indices, ascending); the
    /// bias itself when every head is kept.
    static func keptHeads(_ bias: String, _ kept: [Int], heads: Int, path: String, _ g: GraphBuilder) -> String {
        guard kept != Array(0..<heads) else { return bias }
        return g.op("Gather", [bias, g.constant(int64s: kept.map(Int64.init), dims: [kept.count])], name: "\(path)/Gather_kept_heads",
                    attributes: [Attribute.int("axis", 1)])
    }
}
