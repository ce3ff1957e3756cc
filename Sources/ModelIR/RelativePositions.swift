import Foundation

/// T5's relative position bias: the score of query i and key j gets b[bucket(j − i), h] added
/// for head h, from a learned table [buckets, H] per stack (shared by its layers). Buckets, as
/// transformers' `_relative_position_bucket` computes them in f32: with r = j − i,
/// - bidirectional (the encoder): half the buckets for r > 0, the other half for r ≤ 0, on |r|;
/// - unidirectional (the decoder): only r ≤ 0 counts, on −r (a later key is bucket 0);
/// then, with B the buckets of that half and m = B/2: distances below m are their own bucket,
/// larger ones m + ⌊log(r/m) / log(maxDistance/m) · (B − m)⌋, at most B − 1.
public struct RelativePositions: Codable, Sendable, Equatable {
    public var buckets: Int
    public var maxDistance: Int

    public init(buckets: Int, maxDistance: Int) {
        self.buckets = buckets
        self.maxDistance = maxDistance
    }

    /// The bucket of a key at position `key` for a query at `query`.
    public func bucket(query: Int, key: Int, bidirectional: Bool) -> Int {
        var relative = key - query
        var half = buckets, bucket = 0
        if bidirectional {
            half /= 2
            if relative > 0 { bucket += half }
            relative = abs(relative)
        } else {
            relative = -min(relative, 0)
        }
        let exact = half / 2
        if relative < exact { return bucket + relative }
        let large = logf(Float(relative) / Float(exact)) / Float(log(Double(maxDistance) / Double(exact))) * Float(half - exact)
        return bucket + min(exact + Int(large), half - 1)
    }
}
