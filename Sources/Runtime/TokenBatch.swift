/// Token sequences of different lengths, run without padding: each sample's rows are packed one
/// after another, so linears see [Σ n_b, d] and attention runs per sample over its own n_b keys.
/// This gives the same numbers as a padded, masked batch (masked keys get probability exactly 0).
public struct TokenBatch: Sendable, Equatable {
    public var ids: [[Int]]
    /// Segment ids per token (BERT); nil means all zero.
    public var typeIds: [[Int]]?

    public init(ids: [[Int]], typeIds: [[Int]]? = nil) {
        self.ids = ids
        self.typeIds = typeIds
    }

    public var count: Int { ids.count }
    public var lengths: [Int] { ids.map(\.count) }
    /// Row offset of each sample in the packed [Σ n_b, d] buffers, plus the total at the end.
    var offsets: [Int] { ids.reduce(into: [0]) { $0.append($0.last! + $1.count) } }
    public var tokenCount: Int { ids.reduce(0) { $0 + $1.count } }
}
