/// Post-softmax attention of one sample at one layer, handed to an observer (calibration needs
/// it). `values` is [heads, queries, keys] row-major; rows sum to 1 over the visible keys.
public struct AttentionProbabilities: Sendable {
    public let layer: Int
    public let sample: Int
    public let heads: Int
    public let queries: Int
    public let keys: Int
    public let values: [Float]

    public init(layer: Int, sample: Int, heads: Int, queries: Int, keys: Int, values: [Float]) {
        precondition(values.count == heads * queries * keys, "attention of \(heads)×\(queries)×\(keys) needs that many values")
        self.layer = layer
        self.sample = sample
        self.heads = heads
        self.queries = queries
        self.keys = keys
        self.values = values
    }

    /// P_h[i, j]
    public subscript(head h: Int, query i: Int, key j: Int) -> Float { values[(h * queries + i) * keys + j] }
}

/// Called once per (layer, sample) when set; nil costs nothing on the normal path.
public typealias AttentionObserver = (AttentionProbabilities) -> Void

/// Which linear an observed input feeds, within a block.
public enum LinearInput: String, Sendable, CaseIterable {
    /// x entering Q, K and V (after the pre-norm for GPT-2).
    case attention
    /// The concatenated heads C entering W_O (after any elimination).
    case output
    /// h entering the MLP's up projection.
    case up
    /// act(up(h)) entering the down projection.
    case down
}

/// Called with (layer, which linear, its input rows [rows, width] row-major, width) for every
/// block linear's input when set (calibration statistics); nil costs nothing.
public typealias LinearInputObserver = (Int, LinearInput, UnsafeBufferPointer<Float>, Int) -> Void

/// Keys and values of the tokens seen so far at one layer of a causal model, [capacity, h·d_h].
final class KeyValueCache {
    var keys: [Float]
    var values: [Float]
    var length = 0
    let width: Int
    /// log s_j of each cached key (0 unless token merging made it stand for s_j tokens).
    var logSizes: [Float] = []
    /// Each cached key's position in its sequence, kept when a sliding window needs them.
    var positions: [Int] = []

    init(capacity: Int, width: Int) {
        self.width = width
        keys = [Float](repeating: 0, count: capacity * width)
        values = [Float](repeating: 0, count: capacity * width)
    }
}
