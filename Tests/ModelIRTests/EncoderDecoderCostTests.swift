import Testing
import TensorCore
@testable import ModelIR

/// An encoder-decoder's decoder block priced by hand (T5 shapes: d 512, 8 heads of 64, d_ff 2048,
/// no biases, RMSNorm, plain MLP) for n = 128 encoder rows and g = 4 generated tokens.
@Suite struct EncoderDecoderCostTests {
    static func linear(_ i: Int, _ o: Int) -> Linear<TensorSpec> {
        Linear(inFeatures: i, outFeatures: o, weight: .dense(TensorSpec(dtype: .f32, shape: [o, i])), bias: nil)
    }

    static func attention() -> Attention<TensorSpec> {
        Attention(q: linear(512, 512), k: linear(512, 512), v: linear(512, 512), o: linear(512, 512), headDim: 64, keptHeads: Array(0..<8))
    }

    @Test func decoderBlockOverFourTokensByHand() {
        let norm = LayerNorm(weight: TensorSpec(dtype: .f32, shape: [512]), bias: nil)
        let block = Block(attention: Self.attention(), attentionNorm: norm, mlp: MLP(up: Self.linear(512, 2048), down: Self.linear(2048, 512)),
                          mlpNorm: norm, crossAttention: Self.attention(), crossAttentionNorm: norm)
        let c = CostModel.decoderCost(block, hiddenSize: 512, encoderTokens: 128, generated: 4, pricing: .flops, form: BlockForm(norm: .rms))
        // Self Q, K, V: 4 steps × 3 × 2·512²; cross Q: 4 × 2·512²; cross K, V once over 128 rows: 2 × 2·128·512².
        #expect(c.qkv == 4 * 3 * 524_288 + 4 * 524_288 + 2 * 128 * 524_288)
        // Keys: self 1 + 2 + 3 + 4 = 10, cross 4 × 128 = 512; 2·d_a per key for Q·Kᵀ and for P·V, 5·h per key for softmax.
        #expect(c.scores == 522 * 2 * 512 && c.context == 522 * 2 * 512 && c.softmax == 522 * 5 * 8)
        // Self and cross W_O per step.
        #expect(c.output == 4 * 2 * 524_288)
        // Three RMSNorms and residual adds per step: 3 · 5 · 512.
        #expect(c.norms == 4 * 3 * 5 * 512)
        // MLP per step: 2 · 2·512·2048 + activation 8·2048.
        #expect(c.mlp == 4 * (2 * 2 * 512 * 2048 + 8 * 2048))
    }
}
