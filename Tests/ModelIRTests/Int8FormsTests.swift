import Foundation
import Testing
import TensorCore
@testable import ModelIR

/// The int8 forms in the IR: per-group scales, `lowRankInt8`, `sparseInt8`. Oracles: the
/// documented shapes, the verifier's message style, and the cost model's formulas by hand.
@Suite struct Int8FormsTests {
    let config = VerifierTests().config

    func spec(_ dims: [Int], _ dtype: DType = .f32) -> TensorSpec { TensorSpec(dtype: dtype, shape: Shape(dims)) }

    /// blocks.0.mlp.up [37, 32] per group of 8, attention.o 2:4 sparse int8, mlp.down low-rank int8.
    func skeleton() -> Skeleton {
        var s = Skeleton(dense: config)
        s.blocks[0].mlp.up.weight = .int8(values: spec([37, 32], .i8), scales: spec([37, 4]))
        s.blocks[0].attention.o.weight = .sparseInt8(values: spec([32, 32], .i8), scales: spec([32]), mask: spec([32, 4], .u8),
                                                     pattern: .nOfM(n: 2, m: 4), nonzeros: 512)
        s.blocks[1].mlp.down.weight = .lowRankInt8(u: spec([32, 6], .i8), uScales: spec([32]), v: spec([6, 37], .i8), vScales: spec([6]))
        return s
    }

    @Test func wellFormedFormsVerifyAndNameTheirParts() {
        let s = skeleton()
        #expect(s.verify().isEmpty)
        let down = s.blocks[1].mlp.down.weight, o = s.blocks[0].attention.o.weight
        #expect(down.kind == "low-rank-int8" && o.kind == "sparse-int8")
        #expect(down.parts.map(\.role) == ["u", "u-scales", "v", "v-scales"])
        #expect(o.parts.map(\.role) == ["values", "scales", "mask"])
        // map visits the parts in the same order (mapNamed relies on it).
        var visited: [Shape] = []
        _ = down.map { visited.append($0.shape); return $0 }
        #expect(visited == down.parts.map(\.tensor.shape))
        #expect(s.namedTensors.map(\.name).filter { $0.hasPrefix("blocks.1.mlp.down.") }
                == ["blocks.1.mlp.down.u", "blocks.1.mlp.down.u-scales", "blocks.1.mlp.down.v", "blocks.1.mlp.down.v-scales", "blocks.1.mlp.down.bias"])
        let text = s.printed()
        #expect(text.contains("  attention.o  sparse-int8 values=i8[32, 32] scales=f32[32] mask=u8[32, 4] 2:4 nnz=512 bias\n"))
        #expect(text.contains("  mlp.down     low-rank-int8 u=i8[32, 6] u-scales=f32[32] v=i8[6, 37] v-scales=f32[6] bias\n"))
    }

    @Test func groupSizeOfScales() {
        #expect(spec([37]).int8GroupSize(inFeatures: 32) == 32)
        #expect(spec([37, 4]).int8GroupSize(inFeatures: 32) == 8)
        #expect(spec([37, 32]).int8GroupSize(inFeatures: 32) == 1)
    }

    @Test func wrongScaleShapesAndDtypesAreRejected() {
        var s = skeleton()
        s.blocks[0].mlp.up.weight = .int8(values: spec([37, 32], .i8), scales: spec([37, 5]))      // 5 does not divide 32
        s.blocks[0].mlp.down.weight = .int8(values: spec([32, 37], .i8), scales: spec([37]))       // out is 32
        s.blocks[0].attention.o.weight = .sparseInt8(values: spec([32, 32], .f32), scales: spec([32, 2], .i8),
                                                     mask: spec([32, 4], .u8), pattern: .nOfM(n: 2, m: 4), nonzeros: 512)
        s.blocks[1].mlp.down.weight = .lowRankInt8(u: spec([32, 6], .i8), uScales: spec([6]), v: spec([6, 37], .f16), vScales: spec([6, 1]))
        #expect(s.verify().map(\.description) == [
            "blocks.0.attention.o.values: is f32[32, 32], expected i8",
            "blocks.0.attention.o.scales: is i8[32, 2], expected a floating-point dtype",
            "blocks.0.mlp.up.scales: is f32[37, 5], expected shape [37] (per channel) or [37, in/g] for a group size g dividing in (32)",
            "blocks.0.mlp.down.scales: is f32[37], expected shape [32] (per channel) or [32, in/g] for a group size g dividing in (37)",
            "blocks.1.mlp.down.v: is f16[6, 37], expected i8",
            "blocks.1.mlp.down.u-scales: is f32[6], expected shape [32]",
            "blocks.1.mlp.down.v-scales: is f32[6, 1], expected shape [6]",
        ])
    }

    /// FLOPs as the f32 form computes them plus one rescale per stored scale per token;
    /// parameters count the scales; bytes come from the parts.
    @Test func costsAndParameters() {
        let s = skeleton(), n = 10
        let up = s.blocks[0].mlp.up, o = s.blocks[0].attention.o, down = s.blocks[1].mlp.down
        #expect(CostModel.flops(up, tokens: n) == 2 * n * 32 * 37 + n * 37 * 4 + n * 37)
        #expect(CostModel.flops(o, tokens: n) == 2 * n * 512 + n * 32 + n * 32)
        #expect(CostModel.flops(down, tokens: n) == 2 * n * 6 * (37 + 32) + n * (32 + 6) + n * 32)
        #expect(up.parameterCount == 37 * 32 + 37 * 4 + 37)
        #expect(o.parameterCount == 512 + 32 + 32)
        #expect(down.parameterCount == 6 * (37 + 32) + 32 + 6 + 32)
        let dense = Skeleton(dense: config)
        #expect(s.byteCount == dense.byteCount - 4 * (37 * 32 + 32 * 32 + 32 * 37)
                + (37 * 32 + 4 * 37 * 4) + (32 * 32 + 4 * 32 + 32 * 4) + (6 * 69 + 4 * 38))
    }

    @Test func formsRoundTripThroughCodable() throws {
        let s = skeleton()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(s.blocks[1].mlp.down.weight)
        #expect(String(decoding: data, as: UTF8.self).hasPrefix(#"{"lowRankInt8":{"u":"#))
        #expect(try JSONDecoder().decode(WeightForm<TensorSpec>.self, from: data) == s.blocks[1].mlp.down.weight)
        let sparse = try encoder.encode(s.blocks[0].attention.o.weight)
        #expect(try JSONDecoder().decode(WeightForm<TensorSpec>.self, from: sparse) == s.blocks[0].attention.o.weight)
    }
}
