import Testing
@testable import ModelIR

/// Oracle: the worked examples of ACC-SPEC §6.3 and §9 (numbers printed there, to their digits).
@Suite struct EliminationProfileTests {
    /// §9: MiniLM ACC, 12 sentences.
    let acc = [0.833, 0.502, 0.493, 0.489, 0.444, 0.566]

    @Test func quadraticFitMatchesTheSpec() {
        let fit = CurveFit.fit(acc, kind: .quadratic)
        // f = 0.0379 l² − 0.3085 l + 1.0596. The spec prints ACC to 3 digits and fitted from
        // unrounded values, so the coefficients agree to the rounding of the inputs (±5e-4).
        #expect(abs(fit.coefficients[2] - 0.0379) < 5e-4)
        #expect(abs(fit.coefficients[1] + 0.3085) < 5e-4)
        #expect(abs(fit.coefficients[0] - 1.0596) < 5e-4)
        let values = (1...6).map { fit.value(at: $0) }
        for (v, want) in zip(values, [0.789, 0.594, 0.475, 0.432, 0.464, 0.573]) { #expect(abs(v - want) < 5e-4) }
    }

    @Test func profileHaltsAtTheFirstRise() {
        let p = EliminationProfile(acc: acc, protection: .first)
        #expect(p.haltLayer == 5)
        for (e, want) in zip(p.ep, [1, 0.753, 0.800, 0.909, 1, 1]) { #expect(abs(e - want) < 5e-4) }
        for (a, want) in zip(p.alpha(lambda: 0.9), [0.900, 0.678, 0.720, 0.818, 0.900, 0.900]) { #expect(abs(a - want) < 5e-4) }
    }

    @Test func countsAndSpeedupAtLambda09And1() {
        let p = EliminationProfile(acc: acc, protection: .first)
        #expect(p.keptCounts(tokens: 24, lambda: 0.9) == [24, 21, 14, 10, 8, 7, 6])
        // E = 21.75 + 15.75 + 11 + 8.5 + 7.25 + 6.25 = 70.5, S = 6·24/70.5 = 2.04
        #expect(abs(p.linearSpeedup(tokens: 24, lambda: 0.9) - 144 / 70.5) < 1e-12)
        #expect(abs(p.continuousSpeedup(lambda: 0.9) - 1.94) < 0.005)
        #expect(p.keptCounts(tokens: 24, lambda: 1.0) == [24, 24, 18, 14, 12, 12, 12])
        #expect(abs(p.linearSpeedup(tokens: 24, lambda: 1.0) - 1.52) < 0.005)
    }

    @Test func identityLambdaAndBisection() {
        let p = EliminationProfile(acc: acc, protection: .first)
        #expect(abs(p.identityLambda - 1.328) < 1e-3)
        #expect(abs(p.continuousSpeedup(lambda: p.identityLambda) - 1) < 1e-9)
        let lambda = p.lambda(forSpeedup: 2.0)!
        #expect(abs(lambda - 0.888) < 5e-4)
        #expect(p.lambda(forSpeedup: 0.5) == nil)
    }

    @Test func closedFormAt08Over12Layers() {
        // §6.3: α = 0.8, L = 12, β = 0.25 → 3.032; the continuous form agrees.
        #expect(abs(EliminationProfile.closedFormSpeedup(alpha: 0.8, layers: 12) - 3.032) < 5e-4)
        let constant = EliminationProfile(acc: [Double](repeating: 0.5, count: 12), fit: .raw, protection: .first)
        #expect(abs(constant.continuousSpeedup(lambda: 0.8) - 3.032) < 5e-4)
        #expect(EliminationProfile.closedFormSpeedup(alpha: 1, layers: 12) == 1)
    }

    @Test func edgeCases() {
        let p = EliminationProfile(acc: acc, protection: .first)
        // One token, or tokens down to the minimum: nothing more is eliminated.
        #expect(p.keptCounts(tokens: 1, lambda: 0.1) == [1, 1, 1, 1, 1, 1, 1])
        #expect(p.keptCounts(tokens: 24, lambda: 0.01) == [24, 1, 1, 1, 1, 1, 1])
        // 0.8 × 10 lands a hair below 8 in floating point: the 1e-9 guard keeps 8.
        let flat = EliminationProfile(acc: [1, 1, 1], fit: .raw, protection: .first)
        #expect(flat.keptCounts(tokens: 10, lambda: 0.8) == [10, 8, 6, 4])
        // λ above 1/min EP is the identity.
        #expect(p.keptCounts(tokens: 24, lambda: 2) == [Int](repeating: 24, count: 7))
        // L ≤ 2 uses the raw values; a rising ACC halts at layer 2.
        let short = EliminationProfile(acc: [0.5, 0.7], protection: .last)
        #expect(short.fit.kind == .raw && short.haltLayer == 2 && short.ep == [1, 1])
    }

    @Test func exactSpeedupUsesTheCostModel() {
        var config = ModelConfig.miniLM
        config.maxPositions = 512
        let s = Skeleton(dense: config)
        let p = EliminationProfile(acc: acc, protection: .first)
        #expect(CostModel.eliminationSpeedup(s, profile: p, tokens: 128, lambda: p.identityLambda) == 1)
        let exact = CostModel.eliminationSpeedup(s, profile: p, tokens: 128, lambda: 0.9)
        let linear = p.linearSpeedup(tokens: 128, lambda: 0.9)
        // The 25/75 model is an approximation of the exact FLOPs within a few percent (§6.3).
        #expect(abs(exact / linear - 1) < 0.06, "exact \(exact) vs linear \(linear)")
    }
}
