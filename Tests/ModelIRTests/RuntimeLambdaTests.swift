import Testing
import TensorCore
@testable import ModelIR

/// `target-speedup` by the runtime's cost: the λ found is the largest one whose whole-model
/// runtime speedup reaches the target (checked against the speedup just above it), and the
/// pricing moves λ the way the runtime's costs do (merging's overhead, int8 linears beside the
/// attention's n² work), where Eq. (6)'s one FLOP model gives one λ for all.
@Suite struct RuntimeLambdaTests {
    /// ACC-SPEC §9's MiniLM ACC values.
    let acc = [0.833, 0.502, 0.493, 0.489, 0.444, 0.566]
    let workload = Workload(batch: 1, sequenceLength: 128)

    func profile(_ mode: EliminationProfile.Mode) -> EliminationProfile {
        var p = EliminationProfile(acc: acc, protection: .first)
        p.mode = mode
        return p
    }

    /// MiniLM with every block linear as a W8A8 int8 GEMM.
    func int8MiniLM() -> Skeleton {
        var s = Skeleton(dense: .miniLM)
        for l in s.blocks.indices {
            for keyPath in [\Block<TensorSpec>.attention.q, \.attention.k, \.attention.v, \.attention.o, \.mlp.up, \.mlp.down] {
                let linear = s.blocks[l][keyPath: keyPath]
                s.blocks[l][keyPath: keyPath].weight = .int8(values: TensorSpec(dtype: .i8, shape: [linear.outFeatures, linear.inFeatures]),
                                                               scales: TensorSpec(dtype: .f32, shape: [linear.outFeatures]))
                s.blocks[l][keyPath: keyPath].activations = .dynamic
            }
        }
        return s
    }

    func speedup(_ s: Skeleton, _ p: EliminationProfile, _ lambda: Double) -> Double {
        CostModel.eliminationSpeedup(s, profile: p, workload: workload, lambda: lambda, pricing: .reference)
    }

    @Test(arguments: [EliminationProfile.Mode.drop, .merge], [1.25, 1.5, 2.0])
    func theLargestLambdaReachingTheTarget(mode: EliminationProfile.Mode, target: Double) throws {
        let s = Skeleton(dense: .miniLM), p = profile(mode)
        let lambda = try #require(CostModel.lambda(s, profile: p, forSpeedup: target, workload: workload, pricing: .reference))
        #expect(speedup(s, p, lambda) >= target)
        // Bisection stops within 1e-9: anything a hair above misses the target.
        #expect(speedup(s, p, lambda + 1e-8) < target)
        // The whole forward pass, priced by hand from its parts: embeddings and head once, blocks at N_{l−1} → N_l.
        let counts = p.keptCounts(tokens: 128, lambda: lambda)
        let outside = CostModel.cost(s, workload: workload, pricing: .reference)
        let blocks = CostModel.blockCosts(s, counts: counts, pricing: .reference, mode: mode).reduce(0) { $0 + $1.total }
        let expected = Double(outside.total) / Double(outside.embeddings + outside.head + blocks)
        #expect(abs(speedup(s, p, lambda) - expected) < 1e-12)
    }

    @Test func theFormsAndMergingMoveLambda() throws {
        let f32 = Skeleton(dense: .miniLM), int8 = int8MiniLM()
        let find = { (s: Skeleton, mode: EliminationProfile.Mode) in
            CostModel.lambda(s, profile: profile(mode), forSpeedup: 1.5, workload: workload, pricing: .reference)
        }
        let drop = try #require(find(f32, .drop)), merge = try #require(find(f32, .merge)), int8Drop = try #require(find(int8, .drop))
        // Merging's matching and averages cost time: more tokens must go for the same speedup.
        #expect(merge < drop)
        // int8 GEMMs shrink the linears, not the attention's n² products and softmax, so a token
        // eliminated saves a different share: λ moves.
        #expect(abs(int8Drop - drop) > 1e-3)
        // Eq. (6)'s FLOP model knows neither: its one λ misses the target on the int8 blocks by
        // more than the runtime λ's step does.
        let continuous = try #require(profile(.drop).lambda(forSpeedup: 1.5))
        let runtime = speedup(int8, profile(.drop), int8Drop)
        #expect(abs(speedup(int8, profile(.drop), continuous) - 1.5) > runtime - 1.5)
    }

    @Test func anUnreachableTargetIsNil() {
        let s = Skeleton(dense: .miniLM)
        #expect(CostModel.lambda(s, profile: profile(.drop), forSpeedup: 1000, workload: workload, pricing: .reference) == nil)
        // The identity λ when the target is 1 and nothing needs eliminating.
        #expect(CostModel.lambda(s, profile: profile(.drop), forSpeedup: 1, workload: workload, pricing: .reference) == profile(.drop).identityLambda)
    }

    /// An encoder-decoder priced with its decoder: the same counts give 1.00× (like with like), and
    /// eliminating encoder rows saves in the encoder and in cross-attention's keys and values.
    @Test func anEncoderDecoderWithItsDecoderIsLikeWithLike() {
        var s = Skeleton(dense: .miniLM, pooler: false)
        let block = s.blocks[0]
        var decoderBlock = block
        decoderBlock.crossAttention = block.attention
        decoderBlock.crossAttentionNorm = block.attentionNorm
        s.decoder = DecoderStack(blocks: [decoderBlock, decoderBlock], finalNorm: block.mlpNorm, relativeBias: nil)
        let full = [[Int]](repeating: [Int](repeating: 64, count: s.blocks.count + 1), count: 2)
        let kept = [[Int]](repeating: profile(.drop).keptCounts(tokens: 64, lambda: 0.9), count: 2)
        let priced = { (c: [[Int]], g: Int?) in CostModel.cost(s, counts: c, pricing: .reference, generatedTokens: g) }
        let encoderOnly = priced(full, nil), withDecoder = priced(full, 8)
        // The decoder generating 8 tokens over 64 rows, as `cost(_:workload:)` prices it, per sample.
        let decoding = CostModel.cost(s, workload: Workload(batch: 2, sequenceLength: 64, generatedTokens: 8), pricing: .reference)
        #expect(withDecoder == decoding.total)
        #expect(withDecoder > encoderOnly)
        #expect(priced(kept, 8) < withDecoder)
        #expect(withDecoder - priced(kept, 8) > encoderOnly - priced(kept, nil))
    }
}
