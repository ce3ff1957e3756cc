import Foundation
@testable import HuggingFace
import ModelIR
import NumericTolerance
import Testing

/// Pare re-imports every export it writes: a fixture compiled by a recipe, exported
/// (`HFExport`) and imported again (`ModelImporter`) computes what the compiled model computed.
/// Oracle: the compiled model's own forward in memory (`PreparedModel`), its weights as the
/// export writes them (`RoundTrip.densified`; the same model unless a form is int8 or
/// low-rank). Tolerance: 1e-6 relative and absolute, float rounding only; the weights are
/// the same bytes, and a zero bias the export adds (Llama's q, k, v beside an o bias) adds 0.
@Suite final class RoundTripTests {
    let scratch = Fixtures.temporaryDirectory()
    deinit { try? FileManager.default.removeItem(atPath: scratch) }

    static let tolerance = FloatTolerance(relative: 1e-6, absolute: 1e-6)

    /// Both reconstructing prunes: head-prune moves the removed heads' mean output into W_O's
    /// bias, ffn-prune refits down (least squares) with a bias. With grouped-query attention
    /// fraction 0.5 removes one of the two key/value groups (2 of 4 query heads) of each Llama
    /// and Qwen2 layer; Mistral's single group stays (a layer keeps at least one).
    static let reconstructing = "head-prune{fraction=0.5},ffn-prune{fraction=0.25,keep-multiple=1}"

    /// Each family through both reconstructing prunes; T5, which holds no biases or pruned heads
    /// and whose decoder ffn-prune does not prune yet, through int8 weights exported dequantized.
    @Test(arguments: [
        ("tiny-bert", reconstructing, "bert"), ("tiny-bert-cls", reconstructing, "bert"), ("tiny-gpt2", reconstructing, "gpt2"),
        ("tiny-llama", reconstructing, "llama"),
        // Qwen2 has no o or MLP biases: written as Llama (attention_bias, mlp_bias), which it then is.
        ("tiny-qwen2", reconstructing, "llama"),
        // Without reconstruction Mistral and Qwen2 stay themselves, with head_dim and fewer heads.
        ("tiny-mistral", "head-prune{fraction=0.5,reconstruction=none},ffn-prune{fraction=0.25,keep-multiple=1,reconstruction=none}", "mistral"),
        ("tiny-qwen2", "head-prune{fraction=0.5,reconstruction=none},ffn-prune{fraction=0.25,keep-multiple=1,reconstruction=none}", "qwen2"),
        // Mistral's one key/value group keeps it: query heads 0 and 1 removed by name, head_dim written.
        ("tiny-mistral", "head-prune{heads=[0:0,0:1,1:0,1:1],reconstruction=none}", "mistral"),
        ("tiny-t5", "int8-quantize", "t5"), ("tiny-flan-t5", "int8-quantize", "t5"),
    ])
    func prunedExportReimportsToTheSameOutputs(fixture: String, recipe: String, exportedAs: String) async throws {
        let compiled = try await RoundTrip.compiled(fixture, recipe)
        let original = try ModelImporter.model(directory: Fixtures.model(fixture)).graph
        if recipe.contains("ffn-prune") {
            #expect(compiled.blocks.map(\.mlp.up.outFeatures) != original.blocks.map(\.mlp.up.outFeatures), "nothing was pruned")
        }
        let out = scratch + "/\(fixture)-\(abs(recipe.hashValue))"
        let imported = try RoundTrip.exportAndImport(compiled, fixture: fixture, to: out)
        #expect(imported.config.architecture.rawValue == exportedAs)
        if recipe.contains("head-prune"), original.config.kvHeadCount > 1 || recipe.contains("heads=") {
            #expect(compiled.blocks.allSatisfy { $0.attention.keptHeads.count == original.config.headCount / 2 }, "heads were not pruned")
        }
        // BERT and GPT-2 say which heads (`pruned_heads`); the Llama family only how many.
        if imported.config.rotary == nil {
            #expect(imported.blocks.map(\.attention.keptHeads) == compiled.blocks.map(\.attention.keptHeads))
        } else {
            #expect(imported.blocks.map(\.attention.keptHeads.count) == compiled.blocks.map(\.attention.keptHeads.count))
        }
        expectClose(try RoundTrip.outputs(imported), try RoundTrip.outputs(RoundTrip.densified(compiled)), Self.tolerance, "\(fixture) \(recipe)")
    }

    /// A head-pruned Llama export says `head_dim` with fewer heads, and biases by their flags;
    /// the import reads them back: H = 2 heads of d_h = 8 on d = 32, q, k, v, o and MLP biases.
    @Test func llamaExportWritesHeadDimAndBiasFlagsTheImportReads() async throws {
        let compiled = try await RoundTrip.compiled("tiny-llama", Self.reconstructing)
        let out = scratch + "/llama"
        let imported = try RoundTrip.exportAndImport(compiled, fixture: "tiny-llama", to: out)
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/config.json"))) as! [String: Any]
        #expect(config["num_attention_heads"] as? Int == 2 && config["num_key_value_heads"] as? Int == 1 && config["head_dim"] as? Int == 8)
        #expect(config["attention_bias"] as? Bool == true && config["mlp_bias"] as? Bool == true)
        #expect(imported.config.headCount == 2 && imported.config.headDim == 8 && imported.config.hiddenSize == 32)
        let a = imported.blocks[0].attention, mlp = imported.blocks[0].mlp
        #expect([a.q, a.k, a.v, a.o].map(\.outFeatures) == [16, 8, 8, 32] && a.o.inFeatures == 16)
        #expect([a.q, a.k, a.v, a.o, mlp.gate!, mlp.up, mlp.down].allSatisfy { $0.bias != nil })
        #expect(a.q.bias?.floats().allSatisfy { $0 == 0 } == true, "q had no bias: written as zeros")
        #expect(mlp.down.bias?.floats() == compiled.blocks[0].mlp.down.bias?.floats())
    }

    /// `passes/max-compress.yaml` (head-prune global-fraction 0.1, ffn-prune 0.15 with refit,
    /// int8 W8A8, elimination profile) on the decoders and BERT: the export holds the
    /// dequantized weights, which the re-import computes with exactly.
    @Test(arguments: ["tiny-bert", "tiny-gpt2", "tiny-llama", "tiny-qwen2"])
    func maxCompressExportReimports(fixture: String) async throws {
        let recipe = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("passes/max-compress.yaml").path
        let compiled = try await RoundTrip.compiled(fixture, recipe)
        let imported = try RoundTrip.exportAndImport(compiled, fixture: fixture, to: scratch + "/\(fixture)-max")
        expectClose(try RoundTrip.outputs(imported), try RoundTrip.outputs(RoundTrip.densified(compiled)), Self.tolerance, fixture)
    }

    /// Mistral without a sliding window is Llama: reconstructing prunes export as Llama.
    @Test func windowlessMistralWithBiasesExportsAsLlama() async throws {
        let compiled = try await RoundTrip.compiled("tiny-mistral", Self.reconstructing) { $0.config.slidingWindow = nil }
        let imported = try RoundTrip.exportAndImport(compiled, fixture: "tiny-mistral", to: scratch + "/mistral-as-llama")
        #expect(imported.config.architecture == .llama && imported.config.slidingWindow == nil)
        expectClose(try RoundTrip.outputs(imported), try RoundTrip.outputs(compiled), Self.tolerance)
    }
}
