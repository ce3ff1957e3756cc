import Foundation
import Testing
import NumericTolerance
import HuggingFace
import ModelIR
@testable import Runtime

/// Oracles: the unmodified model (elimination after attention leaves the kept tokens' later
/// computation per-token, so eliminating only in the last layer must reproduce the full model's
/// outputs on the kept tokens exactly), the score vector recomputed from the observed attention,
/// and Eq. (3) for the counts.
@Suite struct EliminationTests {
    static func model(_ name: String) throws -> PreparedModel {
        PreparedModel(try ModelImporter.model(directory: Goldens.fixtures + "/" + name).graph)
    }

    let batch = TokenBatch(ids: [[2, 17, 45, 80, 9, 33, 61, 3], [2, 99, 5, 3], [2, 150, 151, 152, 20, 21, 3]])

    /// EP = [1, …, 1, α]: only the last of `layers` layers eliminates, at rate α when λ = 1.
    static func lastLayerOnly(layers: Int, alpha: Double, protection: EliminationProfile.Protection) -> Elimination {
        Elimination(profile: EliminationProfile(acc: [Double](repeating: 1, count: layers - 1) + [alpha], fit: .raw,
                                                protection: protection), lambda: 1)
    }

    @Test func identityLambdaChangesNothing() throws {
        let model = try Self.model("tiny-bert")
        let profile = EliminationProfile(acc: [0.9, 0.6], fit: .raw, protection: .first)
        let full = try model.encode(batch)
        let same = try model.encode(batch, elimination: Elimination(profile: profile, lambda: profile.identityLambda))
        #expect(same.lastHidden == full.lastHidden && same.pooled == full.pooled)
        #expect(same.keptCounts == batch.lengths.map { [$0, $0, $0] })
    }

    @Test func lastLayerEliminationKeepsTheFullModelsOutputsOnKeptTokens() throws {
        let model = try Self.model("tiny-bert")
        var lastLayer: [Int: [Double]] = [:]
        let full = try model.encode(batch, observe: { p in
            if p.layer == 1 { lastLayer[p.sample] = Self.columnMeans(p) }
        })
        let out = try model.encode(batch, elimination: Self.lastLayerOnly(layers: 2, alpha: 0.5, protection: .first))
        for b in 0..<batch.count {
            let n = batch.ids[b].count, kept = out.keptPositions[b]
            #expect(out.keptCounts[b] == [n, n, n / 2])
            #expect(kept.first == 0 && kept == kept.sorted())
            // The kept tokens are [CLS] and the highest column sums of the last layer's attention.
            let sv = lastLayer[b]!
            let expected = ([0] + (1..<n).sorted { sv[$0] > sv[$1] || (sv[$0] == sv[$1] && $0 < $1) }.prefix(n / 2 - 1)).sorted()
            #expect(kept == expected)
            let d = 32
            let fullRows = full.hidden(sample: b)
            let want = kept.flatMap { Array(fullRows[(fullRows.startIndex + $0 * d)..<(fullRows.startIndex + ($0 + 1) * d)]) }
            #expect(maxDifference(out.hidden(sample: b), want) <= 1e-6)
        }
        // [CLS] survives, so the pooled output is unchanged.
        #expect(maxDifference(out.pooled!.flatMap { $0 }, full.pooled!.flatMap { $0 }) <= 1e-6)
    }

    @Test func countsFollowEquation3PerSample() throws {
        let model = try Self.model("tiny-bert")
        let profile = EliminationProfile(acc: [0.9, 0.6], fit: .raw, protection: .first)
        let out = try model.encode(batch, elimination: Elimination(profile: profile, lambda: 0.7))
        for b in 0..<batch.count {
            #expect(out.keptCounts[b] == profile.keptCounts(tokens: batch.ids[b].count, lambda: 0.7))
        }
    }

    @Test func batchedEqualsOneAtATime() throws {
        let model = try Self.model("tiny-bert")
        let e = Elimination(profile: EliminationProfile(acc: [0.9, 0.6], fit: .raw, protection: .first), lambda: 0.6)
        let together = try model.encode(batch, elimination: e)
        for b in 0..<batch.count {
            let alone = try model.encode(TokenBatch(ids: [batch.ids[b]]), elimination: e)
            #expect(maxDifference(alone.hidden(sample: 0), together.hidden(sample: b)) <= 1e-6)
            #expect(alone.keptPositions[0] == together.keptPositions[b])
        }
    }

    @Test func gpt2ProtectsTheLastTokenAndKeepsItsLogits() throws {
        let model = try Self.model("tiny-gpt2")
        let prompts = TokenBatch(ids: [[5, 9, 14, 200, 33, 71, 8, 120, 4], [11, 12, 13, 14, 15]])
        let full = try model.decode(prompts)
        let out = try model.decode(prompts, elimination: Self.lastLayerOnly(layers: 2, alpha: 0.5, protection: .last))
        #expect(out.keptCounts == [[9, 9, 4], [5, 5, 2]])
        for b in 0..<2 {
            #expect(maxDifference(out.nextTokenLogits[b], full.nextTokenLogits[b]) <= 1e-5)
        }
        // Generation runs on the eliminated prefill; with nothing eliminated it is the full model's.
        let e = Elimination(profile: EliminationProfile(acc: [0.9, 0.5], fit: .raw, protection: .last), lambda: 0.8)
        let generated = try model.generate(prompt: prompts.ids[0], count: 4, elimination: e)
        #expect(generated.count == 4)
        let identity = Elimination(profile: e.profile, lambda: e.profile.identityLambda)
        #expect(try model.generate(prompt: prompts.ids[0], count: 4, elimination: identity)
                == model.generate(prompt: prompts.ids[0], count: 4))
    }

    @Test func invalidLambdaAndProfileShape() throws {
        let model = try Self.model("tiny-bert")
        let profile = EliminationProfile(acc: [0.9, 0.6, 0.5], fit: .raw, protection: .first)
        #expect(throws: RuntimeError.self) { try model.encode(batch, elimination: Elimination(profile: profile, lambda: 0.5)) }
        let two = EliminationProfile(acc: [0.9, 0.6], fit: .raw, protection: .first)
        #expect(throws: RuntimeError.self) { try model.encode(batch, elimination: Elimination(profile: two, lambda: 0)) }
    }

    @Test func keepIsStableAndForcesTheProtectedToken() {
        #expect(Elimination.keep([0.1, 0.5, 0.5, 0.9], count: 2, protection: .first) == [0, 3])
        #expect(Elimination.keep([0.1, 0.5, 0.5, 0.2], count: 2, protection: .none) == [1, 2])
        #expect(Elimination.keep([0.1, 0.5, 0.5, 0.2], count: 1, protection: .none) == [1])
        #expect(Elimination.keep([0.9, 0.5, 0.5, 0.0], count: 2, protection: .last) == [0, 3])
        #expect(Elimination.keep([0.9, 0.5], count: 5, protection: .last) == [0, 1])
    }

    /// SV_j = (1/H) Σ_h Σ_i P_h[i, j], in Double.
    static func columnMeans(_ p: AttentionProbabilities) -> [Double] {
        (0..<p.keys).map { j in
            (0..<p.heads).reduce(0.0) { s, h in s + (0..<p.queries).reduce(0.0) { $0 + Double(p[head: h, query: $1, key: j]) } }
                / Double(p.heads)
        }
    }
}

@Suite struct EliminationIdentityTests {
    /// ACC-SPEC acceptance: a profile of all ones at λ = 1 gives the full model bit for bit.
    @Test(arguments: ["tiny-bert", "tiny-gpt2", "tiny-llama", "tiny-mistral", "tiny-qwen2"])
    func allOnesAtLambdaOneIsBitIdentical(name: String) throws {
        let model = try EliminationTests.model(name)
        let ones = Elimination(profile: EliminationProfile(acc: [1, 1], fit: .raw, protection: model.config.causal ? .last : .first),
                               lambda: 1)
        let batch = TokenBatch(ids: [[2, 17, 45, 80, 9, 33, 61, 3], [2, 99, 5, 3]])
        if model.config.causal {
            #expect(try model.decode(batch, elimination: ones).lastHidden == model.decode(batch).lastHidden)
        } else {
            let a = try model.encode(batch, elimination: ones), b = try model.encode(batch)
            #expect(a.lastHidden == b.lastHidden && a.pooled == b.pooled)
        }
    }
}
