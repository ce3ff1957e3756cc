#if canImport(Glibc)
import Glibc
#endif
import ModelIR

/// Per-sample bookkeeping of elimination through the layers: current segments of the packed
/// batch, the original positions of the surviving tokens, how many original tokens each row
/// stands for (its size: 1 unless tokens were merged into it), and the target counts N_l.
struct EliminationState {
    private(set) var segments: [PreparedModel.Segment]
    /// Original token positions of each sample's current rows, ascending.
    private(set) var positions: [[Int]]
    /// s_r per current row of each sample: original tokens it stands for.
    private(set) var sizes: [[Float]]
    /// N_0…N_l so far per sample.
    private(set) var history: [[Int]]
    let targets: [[Int]]?
    let protection: EliminationProfile.Protection
    let mode: EliminationProfile.Mode
    let keepBy: EliminationProfile.Keep

    /// One layer's Eliminate on the packed batch.
    struct Step {
        /// Packed rows to keep, ascending.
        var rows: [Int]
        /// `merge` mode: packed rows averaged into each kept row (itself first), and every row's
        /// size before the step; nil when dropping.
        var groups: [[Int]]?
        var sizes: [Float]?
        /// `mlerp`: merged rows keep their members' size-weighted mean norm.
        var preservingNorm = false
    }

    init(_ batch: TokenBatch, elimination: Elimination?, protection: EliminationProfile.Protection) {
        var offset = 0
        segments = batch.ids.enumerated().map { b, ids in
            defer { offset += ids.count }
            return PreparedModel.Segment(sample: b, offset: offset, count: ids.count)
        }
        positions = batch.ids.map { Array(0..<$0.count) }
        sizes = batch.ids.map { [Float](repeating: 1, count: $0.count) }
        history = batch.ids.map { [$0.count] }
        targets = elimination.map { e in batch.ids.map { e.profile.keptCounts(tokens: $0.count, lambda: e.lambda) } }
        self.protection = protection
        mode = elimination?.mode ?? .drop
        keepBy = elimination?.profile.keep ?? .acc
    }

    /// Row offsets of the samples plus the total at the end.
    var offsets: [Int] { segments.map(\.offset) + [segments.last.map { $0.offset + $0.count } ?? 0] }

    /// Which samples eliminate at layer l (0-based): those whose N_{l+1} < current count.
    func scoring(layer l: Int) -> [Bool]? {
        guard let targets else { return nil }
        return segments.map { targets[$0.sample][l + 1] < $0.count }
    }

    /// log s_j per current row of each segment, for proportional attention (a merged key weighs
    /// what its members weighed); nil for a segment whose rows all have size 1.
    var logSizes: [[Float]?] {
        sizes.map { s in s.allSatisfy { $0 == 1 } ? nil : s.map { $0.logarithm } }
    }

    /// Sizes of the final rows per sample when any token was merged; nil otherwise.
    var mergedSizes: [[Float]]? {
        sizes.allSatisfy { $0.allSatisfy { $0 == 1 } } ? nil : sizes
    }

    /// Applies layer l's Eliminate; nil when nothing changes. `vectors(s)` gives segment s's
    /// hidden states, which merging matches tokens on and `keep` other than `acc` ranks them by.
    mutating func eliminate(layer l: Int, scores: [[Float]?], vectors: (Int) -> TokenMerging.Rows) -> Step? {
        guard let targets else {
            for s in segments.indices { history[s].append(segments[s].count) }
            return nil
        }
        var step = Step(rows: [], groups: mode.merges ? [] : nil, sizes: mode.merges ? sizes.flatMap { $0 } : nil,
                        preservingNorm: mode == .mlerp)
        var changed = false, offset = 0
        for (s, segment) in segments.enumerated() {
            var keep = Array(0..<segment.count)
            var groups = keep.map { [$0] }
            if let sv = scores[s] {
                let ranked = keepBy.needsEnergy ? TokenEnergy.score(sv, energy: TokenEnergy.energy(vectors(s), count: segment.count), keep: keepBy) : sv
                keep = Elimination.keep(ranked, count: targets[segment.sample][l + 1], protection: protection)
                changed = changed || keep.count < segment.count
                if mode.merges, keep.count < segment.count {
                    let protected: Int? = switch protection {
                    case .first: 0
                    case .last: segment.count - 1
                    case .none: nil
                    }
                    groups = TokenMerging.groups(vectors(s), count: segment.count, kept: keep, protected: protected)
                } else {
                    groups = keep.map { [$0] }
                }
            }
            step.rows += keep.map { segment.offset + $0 }
            step.groups? += groups.map { g in g.map { segment.offset + $0 } }
            positions[s] = keep.map { positions[s][$0] }
            sizes[s] = groups.map { g in g.reduce(0) { $0 + sizes[s][$1] } }
            history[s].append(keep.count)
            segments[s] = PreparedModel.Segment(sample: segment.sample, offset: offset, count: keep.count)
            offset += keep.count
        }
        return changed ? step : nil
    }
}

private extension Float {
    var logarithm: Float { logf(self) }
}
