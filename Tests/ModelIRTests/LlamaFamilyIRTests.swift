import Foundation
import Testing
import TensorCore
@testable import ModelIR

/// The Llama family as data: grouped-query attention, RMSNorm, a gated MLP and rotary positions
/// in the cost model (oracle: one layer counted by hand), the verifier, the printer and the
/// artifact coding (BERT's bytes unchanged). Oracle for the rotary frequencies: transformers
/// 4.57's `_compute_llama3_parameters`, worked by hand below.
@Suite struct LlamaFamilyIRTests {
    /// A Llama-3.2-1B-shaped layer: d 2048, 32 query heads sharing 8 key/value heads of d_h 64,
    /// d_ff 8192, no biases.
    static let llama = ModelConfig(
        architecture: .llama, vocabSize: 128_256, hiddenSize: 2048, layerCount: 16, headCount: 32,
        intermediateSize: 8192, maxPositions: 131_072, typeVocabSize: 0, layerNormEpsilon: 1e-5,
        activation: .silu, normPlacement: .pre, causal: true, kvHeadCount: 8, norm: .rms, mlpKind: .gated,
        rotary: RotaryEmbedding(theta: 500_000, scaling: RotaryScaling(kind: .llama3, factor: 32, lowFrequencyFactor: 1,
                                                                         highFrequencyFactor: 4, originalMaxPositions: 8192)))

    @Test func oneLayerAt128TokensByHand() {
        let s = Skeleton(dense: Self.llama, tiedHead: false)
        let n = 128
        let cost = CostModel.flops(s.blocks[0], hiddenSize: 2048, tokensIn: n, tokensOut: n, form: BlockForm(Self.llama))
        // Q 2·128·2048·2048 = 1_073_741_824; K and V 2·128·2048·512 = 268_435_456 each; no biases;
        // rotary 3·128·(2048 + 512) = 983_040.
        #expect(cost.qkv == 1_073_741_824 + 2 * 268_435_456 + 983_040)
        // Q·Kᵀ and P·V over the 32 query heads: 2·128²·2048 each.
        #expect(cost.scores == 67_108_864 && cost.context == 67_108_864)
        // softmax 5·32·128².
        #expect(cost.softmax == 2_621_440)
        // W_O 2·128·2048², no bias.
        #expect(cost.output == 1_073_741_824)
        // two residual adds + RMSNorms: 10·128·2048.
        #expect(cost.norms == 2_621_440)
        // gate, up and down 3 · 2·128·2048·8192 = 3 · 4_294_967_296; SiLU 8·128·8192; product 128·8192.
        #expect(cost.mlp == 3 * 4_294_967_296 + 8_388_608 + 1_048_576)
        #expect(cost.total == cost.qkv + cost.scores + cost.softmax + cost.context + cost.output + cost.norms + cost.mlp)
    }

    /// The LM head costs the next-token logits at each sample's last position (what the runtime
    /// computes): 2·d·V per sample, plus the final RMSNorm 4·n·d; no position table to add.
    @Test func wholeModelHeadAndEmbeddingsByHand() {
        let s = Skeleton(dense: Self.llama, tiedHead: false)
        let cost = CostModel.flops(s, workload: Workload(batch: 2, sequenceLength: 128))
        #expect(cost.head == 2 * (4 * 128 * 2048 + 2 * 2048 * 128_256))
        #expect(cost.embeddings == 0)
    }

    @Test func groupedQueryAttentionKeepsWholeGroupsConsistent() {
        var s = Skeleton(dense: Self.llama, tiedHead: false)
        #expect(s.verify().isEmpty)
        let a = s.blocks[0].attention
        #expect(a.keptKVHeads == Array(0..<8) && a.kvSize == 512 && a.innerSize == 2048)
        #expect(a.kvHeadOfQuery == (0..<32).map { $0 / 4 })
        // Keep query heads 0–3 (group 0) and 9 (group 2): K and V keep groups 0 and 2.
        var pruned = a
        pruned.keptHeads = [0, 1, 2, 3, 9]
        #expect(pruned.keptKVHeads == [0, 2] && pruned.kvHeadOfQuery == [0, 0, 0, 0, 1] && pruned.kvSize == 128)
        // A K of the old width no longer verifies.
        s.blocks[0].attention = pruned
        #expect(s.verify().map(\.location).contains("blocks.0.attention.k"))
    }

    @Test func theVerifierReadsTheNormKindAndTheMLPKind() {
        var s = Skeleton(dense: Self.llama, tiedHead: false)
        s.blocks[1].mlp.gate = nil
        s.blocks[0].mlpNorm.bias = TensorSpec(dtype: .f32, shape: [2048])
        let messages = s.verify().map(\.description)
        #expect(messages.contains { $0.contains("blocks.1.mlp") && $0.contains("gated MLP without a gate") })
        #expect(messages.contains { $0.contains("blocks.0.mlp_norm") && $0.contains("RMSNorm with a bias") })
    }

    @Test func llama3FrequenciesByHand() {
        // d_h 64, θ 500000: θ_i = 500000^(−2i/64). L = 8192, λ_low = 8192, λ_high = 2048.
        let r = Self.llama.rotary!
        let f = r.inverseFrequencies(headDim: 64)
        let base = (0..<32).map { 1 / pow(500_000.0, Double(2 * $0) / 64) }
        for (i, b) in base.enumerated() {
            let wavelength = 2 * Double.pi / b
            let expected: Double
            if wavelength < 2048 { expected = b }                    // high frequencies unchanged
            else if wavelength > 8192 { expected = b / 32 }           // low frequencies divided by the factor
            else {
                let s = (8192 / wavelength - 1) / (4 - 1)
                expected = (1 - s) * b / 32 + s * b
            }
            #expect(abs(Double(f[i]) - expected) <= 1e-6 * expected, "θ_\(i)")
        }
        #expect(f[0] == 1)
    }

    @Test func printedShowsTheFamilyFields() {
        let text = Skeleton(dense: Self.llama, tiedHead: false).printed()
        #expect(text.hasPrefix("model llama layers=16 d=2048 heads=32 d_head=64 d_ff=8192 vocab=128256 positions=131072 act=silu norm=pre causal kv_heads=8 rmsnorm mlp=gated rope=500000 rope_scaling=llama3x32\n"))
        #expect(text.contains("embeddings word=f32[128256, 2048] position=rotary\n"))
        #expect(text.contains("blocks.0 heads=32/32 kv_heads=8/8\n"))
        #expect(text.contains("  mlp.gate     dense weight=f32[8192, 2048]\n"))
    }

    @Test func configCodingOmitsDefaultsSoBERTBytesStay() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let bert = String(decoding: try encoder.encode(ModelConfig.miniLM), as: UTF8.self)
        #expect(!bert.contains("kvHeadCount") && !bert.contains("rotary") && !bert.contains("mlpKind") && !bert.contains("\"norm\""))
        #expect(try JSONDecoder().decode(ModelConfig.self, from: Data(bert.utf8)) == .miniLM)
        let llama = try encoder.encode(Self.llama)
        #expect(try JSONDecoder().decode(ModelConfig.self, from: llama) == Self.llama)
        let skeleton = Skeleton(dense: Self.llama, tiedHead: false)
        #expect(try JSONDecoder().decode(Skeleton.self, from: try encoder.encode(skeleton)) == skeleton)
    }
}
