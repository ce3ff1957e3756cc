import ModelIR

/// Per-sample bookkeeping of elimination through the layers: current segments of the packed
/// batch, the original positions of the surviving tokens, and the target counts N_l.
struct EliminationState {
    private(set) var segments: [PreparedModel.Segment]
    /// Original token positions of each sample's current rows, ascending.
    private(set) var positions: [[Int]]
    /// N_0…N_l so far per sample.
    private(set) var history: [[Int]]
    let targets: [[Int]]?
    let protection: EliminationProfile.Protection

    init(_ batch: TokenBatch, elimination: Elimination?, protection: EliminationProfile.Protection) {
        var offset = 0
        segments = batch.ids.enumerated().map { b, ids in
            defer { offset += ids.count }
            return PreparedModel.Segment(sample: b, offset: offset, count: ids.count)
        }
        positions = batch.ids.map { Array(0..<$0.count) }
        history = batch.ids.map { [$0.count] }
        targets = elimination.map { e in batch.ids.map { e.profile.keptCounts(tokens: $0.count, lambda: e.lambda) } }
        self.protection = protection
    }

    /// Row offsets of the samples plus the total at the end.
    var offsets: [Int] { segments.map(\.offset) + [segments.last.map { $0.offset + $0.count } ?? 0] }

    /// Which samples eliminate at layer l (0-based): those whose N_{l+1} < current count.
    func scoring(layer l: Int) -> [Bool]? {
        guard let targets else { return nil }
        return segments.map { targets[$0.sample][l + 1] < $0.count }
    }

    /// Applies layer l's Eliminate; returns the packed rows to keep (nil when nothing changes).
    mutating func eliminate(layer l: Int, scores: [[Float]?]) -> [Int]? {
        guard let targets else {
            for s in segments.indices { history[s].append(segments[s].count) }
            return nil
        }
        var rows: [Int] = [], changed = false, offset = 0
        for (s, segment) in segments.enumerated() {
            var keep = Array(0..<segment.count)
            if let sv = scores[s] {
                keep = Elimination.keep(sv, count: targets[segment.sample][l + 1], protection: protection)
                changed = changed || keep.count < segment.count
            }
            rows += keep.map { segment.offset + $0 }
            positions[s] = keep.map { positions[s][$0] }
            history[s].append(keep.count)
            segments[s] = PreparedModel.Segment(sample: segment.sample, offset: offset, count: keep.count)
            offset += keep.count
        }
        return changed ? rows : nil
    }
}
