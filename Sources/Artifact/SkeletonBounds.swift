import ModelIR
import TensorCore

/// Bounds on the numbers of a skeleton read from a file, checked before the IR verifier, the cost
/// model or `pare inspect` and `pare report` compute with them. Every count, width and dimension
/// lies in 0…2³¹−1 (the head counts and the query heads per key/value head, which divide, in
/// 1…2³¹−1), so no product of two of them overflows and nothing divides by zero; every tensor's
/// shape.count · dtype.size fits in an `Int`, and all tensors together hold at most 2⁴⁴ bytes
/// (16 TiB, ~8× the largest checkpoints), so sums and products with a workload stay far from 2⁶³.
public enum SkeletonBounds {
    public static let maxCount = Int(Int32.max)
    public static let maxTotalBytes = 1 << 44

    /// One number out of its range, named by its place in the skeleton.
    public struct Violation: Error, Equatable, Sendable, CustomStringConvertible {
        /// `config.headCount`, `blocks.3.attention.headDim`, `head.pooler.inFeatures`,
        /// `embeddings.word.shape[1]`, or `tensor bytes in all`.
        public var field: String
        public var value: Int
        public var range: ClosedRange<Int>

        /// `config.headCount is 0, outside 1…2147483647`
        public var description: String { "\(field) is \(value), outside \(range.lowerBound)…\(range.upperBound)" }
    }

    /// The first number of `s` out of bounds (config, then attention, linears and tensors in
    /// graph order); nil when every one is in bounds.
    public static func violation(_ s: Skeleton) -> Violation? {
        let count = 0...maxCount, positive = 1...maxCount
        for (field, value, range) in numbers(s, count: count, positive: positive) where !range.contains(value) {
            return Violation(field: field, value: value, range: range)
        }
        var total = 0
        for (name, tensor) in s.namedTensors {
            for (i, d) in tensor.shape.dims.enumerated() where !count.contains(d) {
                return Violation(field: "\(name).shape[\(i)]", value: d, range: count)
            }
            let bytes = TensorTableCheck.byteCount(tensor.shape.dims, tensor.dtype) ?? Int.max
            total = bytes > maxTotalBytes - total ? Int.max : total + bytes
            if total > maxTotalBytes {
                return Violation(field: "tensor bytes in all (up to \(name))", value: total, range: 0...maxTotalBytes)
            }
        }
        return nil
    }

    /// Every integer of `s` that is not a tensor dimension, with its range.
    private static func numbers(_ s: Skeleton, count: ClosedRange<Int>, positive: ClosedRange<Int>)
        -> [(String, Int, ClosedRange<Int>)] {
        let c = s.config
        var out: [(String, Int, ClosedRange<Int>)] = [
            ("config.vocabSize", c.vocabSize, count), ("config.hiddenSize", c.hiddenSize, count),
            ("config.layerCount", c.layerCount, count), ("config.headCount", c.headCount, positive),
            ("config.kvHeadCount", c.kvHeadCount, positive), ("config.intermediateSize", c.intermediateSize, count),
            ("config.maxPositions", c.maxPositions, count), ("config.typeVocabSize", c.typeVocabSize, count),
        ]
        let optional: [(String, Int?)] = [
            ("config.slidingWindow", c.slidingWindow), ("config.decoderLayerCount", c.decoderLayerCount),
            ("config.decoderStartTokenId", c.decoderStartTokenId),
            ("config.rotary.scaling.originalMaxPositions", c.rotary?.scaling?.originalMaxPositions),
            ("config.relativePositions.buckets", c.relativePositions?.buckets),
            ("config.relativePositions.maxDistance", c.relativePositions?.maxDistance),
        ]
        out += optional.compactMap { field, value in value.map { (field, $0, count) } }
        let stacks = [("blocks", s.blocks), ("decoder.blocks", s.decoder?.blocks ?? [])]
        for (prefix, blocks) in stacks {
            for (i, block) in blocks.enumerated() {
                let attentions = [("attention", block.attention)] + (block.crossAttention.map { [("cross_attention", $0)] } ?? [])
                for (name, a) in attentions {
                    let at = "\(prefix).\(i).\(name)"
                    out += [("\(at).headDim", a.headDim, count), ("\(at).queriesPerKVHead", a.queriesPerKVHead, positive)]
                    out += a.keptHeads.map { ("\(at).keptHeads", $0, count) }
                }
            }
        }
        for (path, linear) in s.linears {
            out += [("\(path).inFeatures", linear.inFeatures, count), ("\(path).outFeatures", linear.outFeatures, count)]
        }
        return out
    }
}
