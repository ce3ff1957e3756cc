import Foundation
import ModelIR
import HuggingFace
import Report
import TensorCore

/// Skeletons built by hand, changed the way the passes would change them (their `effect`), so the
/// report can be tested before the passes exist.
enum Scenarios {
    static let minilmWorkload = Workload(batch: 1, sequenceLength: 128)

    static func spec(_ dtype: DType, _ dims: Int...) -> TensorSpec { TensorSpec(dtype: dtype, shape: Shape(dims)) }

    /// W [out, in] → u [out, r] · v [r, in], same dtype; the bias stays.
    static func lowRank(_ l: Linear<TensorSpec>, rank r: Int) -> Linear<TensorSpec> {
        let dtype = l.weight.parts[0].tensor.dtype
        var l = l
        l.weight = .lowRank(u: spec(dtype, l.outFeatures, r), v: spec(dtype, r, l.inFeatures))
        return l
    }

    /// Dense → int8 values [out, in] with f32 per-channel scales; other forms unchanged.
    static func int8(_ l: Linear<TensorSpec>) -> Linear<TensorSpec> {
        guard case .dense = l.weight else { return l }
        var l = l
        l.weight = .int8(values: spec(.i8, l.outFeatures, l.inFeatures), scales: spec(.f32, l.outFeatures))
        return l
    }

    /// Dense → sparse with `nonzeros` kept; values stay dense [out, in] plus a u8 bit mask.
    static func sparse(_ l: Linear<TensorSpec>, _ pattern: SparsityPattern, nonzeros: Int) -> Linear<TensorSpec> {
        let dtype = l.weight.parts[0].tensor.dtype
        var l = l
        l.weight = .sparse(values: spec(dtype, l.outFeatures, l.inFeatures),
                           mask: spec(.u8, l.outFeatures, (l.inFeatures + 7) / 8), pattern: pattern, nonzeros: nonzeros)
        return l
    }

    /// N:M sparsity keeps n of every m inputs.
    static func nOfM(_ l: Linear<TensorSpec>, n: Int, m: Int) -> Linear<TensorSpec> {
        sparse(l, .nOfM(n: n, m: m), nonzeros: l.outFeatures * l.inFeatures / m * n)
    }

    /// Every linear `glob` selects, transformed by `f`.
    static func map(_ s: Skeleton, _ glob: LayerGlob, _ f: (Linear<TensorSpec>) -> Linear<TensorSpec>) -> Skeleton {
        var s = s
        for path in s.linearPaths(matching: glob) { s.setLinear(f(s.linear(at: path)!), at: path) }
        return s
    }

    /// Keeps `heads` in block `i`: q, k, v lose output rows and o loses input columns (d_h each per head).
    static func pruneHeads(_ s: Skeleton, block i: Int, keep heads: [Int]) -> Skeleton {
        var s = s
        let a = s.blocks[i].attention, inner = heads.count * a.headDim, d = s.config.hiddenSize
        func shrink(_ l: Linear<TensorSpec>, in inF: Int, out: Int) -> Linear<TensorSpec> {
            let dtype = l.weight.parts[0].tensor.dtype
            return Linear(inFeatures: inF, outFeatures: out, weight: .dense(spec(dtype, out, inF)),
                          bias: l.bias.map { spec($0.dtype, out) })
        }
        s.blocks[i].attention = Attention(q: shrink(a.q, in: d, out: inner), k: shrink(a.k, in: d, out: inner),
                                          v: shrink(a.v, in: d, out: inner), o: shrink(a.o, in: inner, out: d),
                                          headDim: a.headDim, keptHeads: heads)
        return s
    }

    /// MiniLM through six simulated steps: head pruning in block 1, low-rank FFN up projections,
    /// a useless full-rank factorization, 2:4 sparse down projections, an unstructured sparse
    /// pooler, and int8 on every linear still dense.
    static func minilmPipeline() -> ReportInput {
        let before = Skeleton(dense: .miniLM)
        var stages: [Stage] = []
        var s = before
        func step(_ pass: String, _ change: (Skeleton) -> Skeleton) {
            s = change(s)
            stages.append(Stage(pass: pass, skeleton: s))
        }
        step("head-prune{heads=8,select=blocks.1.attention}") {
            pruneHeads($0, block: 1, keep: [0, 1, 2, 4, 5, 7, 9, 11])
        }
        step("svd-lowrank{energy=0,rank=64,select=blocks.*.mlp.up}") { map($0, "blocks.*.mlp.up") { lowRank($0, rank: 64) } }
        step("svd-lowrank{energy=0,rank=384,select=blocks.5.attention.o}") {
            map($0, "blocks.5.attention.o") { lowRank($0, rank: 384) }
        }
        step("magnitude-prune{pattern=2:4,select=blocks.*.mlp.down}") { map($0, "blocks.*.mlp.down") { nOfM($0, n: 2, m: 4) } }
        step("magnitude-prune{pattern=unstructured,select=head.pooler,sparsity=0.5}") {
            map($0, "head.pooler") { sparse($0, .unstructured, nonzeros: 384 * 384 / 2) }
        }
        step("int8-quantize{select=**}") { map($0, "**", int8) }
        return ReportInput(
            model: "all-MiniLM-L6-v2", workload: minilmWorkload, before: before, stages: stages,
            files: Files(inputBytes: 90_868_376, artifactBytes: 17_240_112),
            diagnostics: [
                Diagnostic(.warning, at: "step 6 (int8-quantize): blocks.*.mlp.{up,down}",
                           "left 12 linears unquantized: int8 needs a dense weight, found low-rank or sparse",
                           hint: "run int8-quantize before svd-lowrank and magnitude-prune to quantize them too"),
            ])
    }

    /// A two-layer GPT-2 style decoder (tied LM head, final norm) as imported: what `pare plan`
    /// reports for a recipe that changes nothing.
    static let tinyGPT2 = ModelConfig(
        architecture: .gpt2, vocabSize: 1000, hiddenSize: 64, layerCount: 2, headCount: 4, intermediateSize: 256,
        maxPositions: 128, typeVocabSize: 0, layerNormEpsilon: 1e-5, activation: .geluTanh, normPlacement: .pre,
        causal: true)

    static func gpt2Plan() -> ReportInput {
        ReportInput(model: "tiny-gpt2", workload: Workload(batch: 2, sequenceLength: 32),
                    before: Skeleton(dense: tinyGPT2), stages: [], files: nil, diagnostics: [])
    }

    /// A two-layer Llama-style decoder (4 query heads sharing 2 key/value heads, RMSNorm, gated
    /// MLP, rotary positions, untied LM head): `pare plan` for a recipe that changes nothing.
    static let tinyLlama = ModelConfig(
        architecture: .llama, vocabSize: 1000, hiddenSize: 64, layerCount: 2, headCount: 4, intermediateSize: 172,
        maxPositions: 128, typeVocabSize: 0, layerNormEpsilon: 1e-5, activation: .silu, normPlacement: .pre,
        causal: true, kvHeadCount: 2, norm: .rms, mlpKind: .gated, rotary: RotaryEmbedding(theta: 10_000))

    static func llamaPlan() -> ReportInput {
        ReportInput(model: "tiny-llama", workload: Workload(batch: 2, sequenceLength: 32),
                    before: Skeleton(dense: tinyLlama, tiedHead: false), stages: [], files: nil, diagnostics: [])
    }

    /// The tiny Flan-T5 fixture as imported (encoder, decoder with cross-attention, untied head).
    static func t5Plan() throws -> ReportInput {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/tiny-flan-t5").path
        return ReportInput(model: "tiny-flan-t5", workload: Workload(batch: 1, sequenceLength: 32),
                           before: try ModelImporter.skeleton(directory: fixture).graph, stages: [], files: nil, diagnostics: [])
    }
}
