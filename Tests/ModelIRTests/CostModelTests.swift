import Testing
import TensorCore
@testable import ModelIR

/// Oracle: the FLOPs table of ACC-SPEC §6.1 worked by hand for MiniLM (d = 384, H = 12,
/// d_ff = 1536) at n = 128 tokens; the arithmetic is written out term by term.
@Suite struct CostModelTests {
    let miniLM = Skeleton(dense: .miniLM)

    @Test func miniLMBlockAt128TokensByHand() {
        let n = 128, d = 384, h = 12, ff = 1536
        let cost = CostModel.flops(miniLM.blocks[0], hiddenSize: d, tokensIn: n, tokensOut: n)
        // Q, K, V: 3 · (2·128·384·384 + 128·384) = 3 · (37_748_736 + 49_152)
        #expect(cost.qkv == 113_393_664)
        // Q·Kᵀ and P·V: 2·128²·384
        #expect(cost.scores == 12_582_912 && cost.context == 12_582_912)
        // softmax: 5·12·128²
        #expect(cost.softmax == 5 * h * n * n && cost.softmax == 983_040)
        // W_O: 2·128·384² + 128·384
        #expect(cost.output == 37_797_888)
        // residual + LayerNorm ×2: 16·128·384
        #expect(cost.norms == 786_432)
        // up 2·128·384·1536 + 128·1536, GELU 8·128·1536, down 2·128·1536·384 + 128·384
        #expect(cost.mlp == 151_191_552 + 1_572_864 + 151_044_096)
        // 113,393,664 + 12,582,912 + 983,040 + 12,582,912 + 37,797,888 + 786,432 + 303,808,512
        #expect(cost.total == 481_935_360)
        #expect(ff == 4 * d)
    }

    @Test func miniLMWholeModelAt128Tokens() {
        let cost = CostModel.flops(miniLM, workload: Workload(batch: 1, sequenceLength: 128))
        // embeddings: 2 adds (word + position + type) + LayerNorm 7nd = 9·128·384
        #expect(cost.embeddings == 442_368)
        // pooler on the CLS token: 2·384² + 384 (bias) + 384 (tanh)
        #expect(cost.head == 295_680)
        #expect(cost.total == 442_368 + 6 * 481_935_360 + 295_680)
        // A batch multiplies everything.
        #expect(CostModel.flops(miniLM, workload: Workload(batch: 8, sequenceLength: 128)).total == 8 * cost.total)
    }

    @Test func linearPreTransformerShareIsAQuarterForBERTBase() {
        // ACC-SPEC §6.1: linear terms 6nd² before elimination, 18nd² after (25 % / 75 %).
        let d = 768, n = 1
        let c = ModelConfig(architecture: .bert, vocabSize: 10, hiddenSize: d, layerCount: 1, headCount: 12,
                            intermediateSize: 4 * d, maxPositions: 8, typeVocabSize: 2, layerNormEpsilon: 1e-12,
                            activation: .gelu, normPlacement: .post, causal: false)
        let block = Skeleton(dense: c).blocks[0]
        let cost = CostModel.flops(block, hiddenSize: d, tokensIn: n, tokensOut: n)
        let before = Double(cost.qkv), after = Double(cost.output + cost.mlp)
        #expect(abs(before / (before + after) - 0.25) < 0.001)
    }

    @Test func formsChangeLinearFLOPs() {
        let spec = { (dims: [Int], dtype: DType) in TensorSpec(dtype: dtype, shape: Shape(dims)) }
        let dense = Linear(inFeatures: 384, outFeatures: 1536, weight: .dense(spec([1536, 384], .f32)), bias: nil)
        #expect(CostModel.flops(dense, tokens: 10) == 2 * 10 * 384 * 1536)
        let lowRank = Linear(inFeatures: 384, outFeatures: 1536,
                             weight: .lowRank(u: spec([1536, 64], .f32), v: spec([64, 384], .f32)), bias: nil)
        #expect(CostModel.flops(lowRank, tokens: 10) == 2 * 10 * 64 * (384 + 1536))
        #expect(lowRank.parameterCount == 64 * (384 + 1536))
        let sparse = Linear(inFeatures: 384, outFeatures: 1536,
                            weight: .sparse(values: spec([1536, 384], .f32), mask: spec([1536, 48], .u8),
                                            pattern: .nOfM(n: 2, m: 4), nonzeros: 1536 * 192), bias: spec([1536], .f32))
        #expect(CostModel.flops(sparse, tokens: 10) == 2 * 10 * 1536 * 192 + 10 * 1536)
        #expect(sparse.parameterCount == 1536 * 192 + 1536)
        let int8 = Linear(inFeatures: 384, outFeatures: 1536,
                          weight: .int8(values: spec([1536, 384], .i8), scales: spec([1536], .f32)), bias: nil)
        #expect(CostModel.flops(int8, tokens: 10) == 2 * 10 * 384 * 1536 + 10 * 1536)
    }

    @Test func miniLMParameterCountMatchesTransformers() {
        // PyTorch's BertModel.num_parameters() for all-MiniLM-L6-v2 is 22,713,216.
        #expect(miniLM.parameterCount == 22_713_216)
        #expect(miniLM.bytesByDType == [.f32: 4 * 22_713_216])
    }
}
