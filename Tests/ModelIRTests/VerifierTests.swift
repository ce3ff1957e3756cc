import Testing
import TensorCore
@testable import ModelIR

@Suite struct VerifierTests {
    let config = ModelConfig(architecture: .bert, vocabSize: 50, hiddenSize: 32, layerCount: 2, headCount: 4,
                             intermediateSize: 37, maxPositions: 64, typeVocabSize: 2, layerNormEpsilon: 1e-12,
                             activation: .gelu, normPlacement: .post, causal: false)

    @Test func denseSkeletonIsWellFormed() {
        #expect(Skeleton(dense: config).verify().isEmpty)
        var gpt = config
        gpt.architecture = .gpt2
        gpt.typeVocabSize = 0
        #expect(Skeleton(dense: gpt).verify().isEmpty)
    }

    @Test func misshapedWeightIsReportedWithItsPath() {
        var s = Skeleton(dense: config)
        s.blocks[1].mlp.up.weight = .dense(TensorSpec(dtype: .f32, shape: [32, 37]))
        #expect(s.verify() == [Diagnostic(.error, at: "blocks.1.mlp.up.weight", "is f32[32, 37], expected shape [37, 32]")])
    }

    @Test func inconsistentHeadsAndLayers() {
        var s = Skeleton(dense: config)
        s.blocks[0].attention.keptHeads = [2, 1]
        s.blocks.removeLast()
        let messages = s.verify().map(\.description)
        #expect(messages.contains("model: config says 2 layers but the graph has 1 blocks"))
        #expect(messages.contains { $0.hasPrefix("blocks.0.attention: kept heads [2, 1] must be ascending") })
        // The projections no longer match 2 kept heads of 8 dims.
        #expect(messages.contains("blocks.0.attention.q: maps 32 → 32 features, expected 32 → 16"))
    }

    @Test func formsAreChecked() {
        var s = Skeleton(dense: config)
        s.blocks[0].mlp.down.weight = .int8(values: TensorSpec(dtype: .f32, shape: [32, 37]),
                                            scales: TensorSpec(dtype: .f32, shape: [32]))
        s.blocks[0].mlp.up.weight = .lowRank(u: TensorSpec(dtype: .f32, shape: [37, 4]),
                                             v: TensorSpec(dtype: .f32, shape: [5, 32]))
        let messages = s.verify().map(\.description)
        #expect(messages == ["blocks.0.mlp.up.v: is f32[5, 32], expected shape [4, 32]",
                             "blocks.0.mlp.down.values: is f32[32, 37], expected i8"])
    }

    @Test func pathsGlobsAndPrinter() {
        let s = Skeleton(dense: config)
        #expect(s.linears.count == 2 * 6 + 1)
        #expect(s.linearPaths(matching: "blocks.*.attention.{q,k,v}").map(\.description) ==
                ["blocks.0.attention.q", "blocks.0.attention.k", "blocks.0.attention.v",
                 "blocks.1.attention.q", "blocks.1.attention.k", "blocks.1.attention.v"])
        #expect(s.linearPaths(matching: "**.down").count == 2)
        #expect(s.linearPaths(matching: "blocks.1.mlp.*").count == 2)
        #expect(s.linearPaths(matching: "head.*") == ["head.pooler"])
        #expect(LayerGlob("blocks.*.ml*.up").matches("blocks.3.mlp.up"))
        #expect(!LayerGlob("blocks.*").matches("blocks.3.mlp.up"))
        #expect(LayerPath("blocks.2.mlp.up") < LayerPath("blocks.10.attention.q"))
        let text = s.printed()
        #expect(text.hasPrefix("model bert layers=2 d=32 heads=4 d_head=8 d_ff=37 vocab=50 positions=64 act=gelu norm=post\n"))
        #expect(text.contains("  mlp.up       dense weight=f32[37, 32] bias\n"))
        #expect(s.namedTensors.count == Set(s.namedTensors.map(\.name)).count)
    }

    @Test func setLinearReplacesExactlyOne() {
        var s = Skeleton(dense: config)
        let replacement = Linear(inFeatures: 32, outFeatures: 37,
                                 weight: .lowRank(u: TensorSpec(dtype: .f32, shape: [37, 3]),
                                                  v: TensorSpec(dtype: .f32, shape: [3, 32])), bias: nil)
        let replaced = s.setLinear(replacement, at: "blocks.1.mlp.up")
        let outOfRange = s.setLinear(replacement, at: "blocks.9.mlp.up")
        #expect(replaced && !outOfRange)
        #expect(s.linear(at: "blocks.1.mlp.up") == replacement)
        #expect(s.verify().isEmpty)
        #expect(s.parameterCount == Skeleton(dense: config).parameterCount - (37 * 32 + 37) + 3 * (37 + 32))
    }
}

@Suite struct NamingTests {
    @Test func mapNamedVisitsNamedTensorsInOrder() {
        var config = ModelConfig.miniLM
        config.layerCount = 2
        let s = Skeleton(dense: config)
        var visited: [String] = []
        let same = s.mapNamed { name, t in visited.append(name); return t }
        #expect(same == s)
        #expect(visited == s.namedTensors.map(\.name))
        #expect(visited.prefix(4) == ["embeddings.word", "embeddings.position", "embeddings.token_type", "embeddings.norm.weight"])
        #expect(visited.contains("blocks.1.mlp.down.bias") && visited.last == "head.pooler.bias")
        #expect(Set(visited).count == visited.count)
    }
}
