import Testing
import ModelIR
import Runtime
@testable import Calibration

/// Oracle: the worked examples of ACC-SPEC §9 (Algorithm 1 and Eq. 8), exact to the printed digits.
@Suite struct ScoreVectorTests {
    @Test func nonCausalFourTokensTwoHeads() {
        let head1: [[Float]] = [[0.10, 0.60, 0.20, 0.10], [0.05, 0.70, 0.15, 0.10], [0.10, 0.50, 0.30, 0.10], [0.20, 0.40, 0.20, 0.20]]
        let head2: [[Float]] = [[0.40, 0.30, 0.20, 0.10], [0.30, 0.40, 0.20, 0.10], [0.50, 0.20, 0.20, 0.10], [0.40, 0.20, 0.20, 0.20]]
        let p = AttentionProbabilities(layer: 0, sample: 0, heads: 2, queries: 4, keys: 4,
                                       values: (head1 + head2).flatMap { $0 })
        let sv = ScoreVector.scores(p, causal: false)
        for (s, want) in zip(sv, [1.025, 1.650, 0.825, 0.500]) { #expect(abs(s - want) < 1e-6) }
        #expect(abs(sv.reduce(0.0, +) - 4.0) < 1e-6)
        // ACC = median over all four (no protection) = (0.825 + 1.025)/2
        #expect(abs(ScoreVector.acc(sv, protection: .none)! - 0.925) < 1e-6)
        // With [CLS] protected, the median is over tokens 1…3.
        #expect(abs(ScoreVector.acc(sv, protection: .first)! - 0.825) < 1e-6)
    }

    @Test func causalEquation8() {
        let rows: [[Float]] = [[1, 0, 0, 0], [0.6, 0.4, 0, 0], [0.5, 0.2, 0.3, 0], [0.4, 0.1, 0.2, 0.3]]
        let p = AttentionProbabilities(layer: 0, sample: 0, heads: 1, queries: 4, keys: 4, values: rows.flatMap { $0 })
        let sv = ScoreVector.scores(p, causal: true)
        // column sums [2.5, 0.7, 0.5, 0.3] / nnz [4, 3, 2, 1]
        for (s, want) in zip(sv, [0.625, 0.7 / 3, 0.250, 0.300]) { #expect(abs(s - want) < 1e-6) }
    }

    @Test func emptyAfterProtectionHasNoACC() {
        #expect(ScoreVector.acc([1.0], protection: .first) == nil)
        #expect(ScoreVector.acc([], protection: .none) == nil)
    }
}
