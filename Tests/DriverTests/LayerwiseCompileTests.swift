import Foundation
import Testing
import ModelIR
@testable import Driver

/// The layer-by-layer compile against its oracle, the whole-model path: the same artifact bytes
/// for recipes that plan per block, globally (statistics-only sweeps), refit on Gram matrices and
/// bake an elimination profile; the same bytes on 1, 2 and 3 calibration threads; and the
/// recipes it cannot run block by block say why and run whole.
@Suite struct LayerwiseCompileTests {
    let directory = InspectTests.temporaryDirectory("pare-layerwise")
    let model = InspectTests.fixtures + "/tiny-bert"

    static let recipes = [
        InspectTests.repository + "/passes/max-compress.yaml",
        "head-prune{global-fraction=0.25,reconstruction=least-squares},ffn-prune{global-fraction=0.2},int8-quantize,elimination-profile{lambda=0.8}",
        "head-prune{heads=[0:1,1:2]},ffn-prune{fraction=0.3,select=blocks.1.mlp,reconstruction=bias},int8-quantize{activations=none}",
        "head-prune{fraction=0.5,score=fluctuation},elimination-profile{target-speedup=1.2,batch-size=5}",
    ]

    func compile(_ recipe: String, to name: String, wholeModel: Bool = false, threads: Int = 0,
                 adapters: [String] = []) async throws -> (bytes: Data, result: Compile.Result) {
        var options = Compile.Options(recipe: recipe, adapters: adapters)
        options.wholeModel = wholeModel
        options.threads = threads
        let path = directory + "/" + name
        let result = try await Compile.run(model: model, output: path, options: options)
        return (try #require(FileManager.default.contents(atPath: path)), result)
    }

    @Test(arguments: recipes.indices)
    func blockByBlockWritesTheWholeModelsBytes(_ i: Int) async throws {
        let layerwise = try await compile(Self.recipes[i], to: "layerwise.pare")
        #expect(layerwise.result.wholeModelReason == nil)
        let whole = try await compile(Self.recipes[i], to: "whole.pare", wholeModel: true)
        #expect(whole.result.wholeModelReason == "--whole-model was given")
        #expect(layerwise.bytes == whole.bytes)
        #expect(layerwise.result.manifest.passLog == whole.result.manifest.passLog)
        #expect(layerwise.result.report == whole.result.report)
    }

    /// LoRA and rsLoRA on block linears merge block by block; `bias=all` also trains the
    /// embedding and pooler biases, which needs the whole model. The same bytes either way.
    @Test(arguments: [("bert-lora", true), ("bert-rslora", true), ("bert-lora:0.5", true), ("bert-bias-all", false)])
    func adaptersMergeBlockByBlockToTheSameBytes(_ adapter: String, blockwise: Bool) async throws {
        let recipe = "merge-lora,head-prune{fraction=0.25},int8-quantize"
        let adapters = [InspectTests.fixtures + "/lora/" + adapter]
        let layerwise = try await compile(recipe, to: "layerwise.pare", adapters: adapters)
        #expect(layerwise.result.wholeModelReason == (blockwise ? nil : "step 1 (merge-lora) runs on the whole model with these options or inputs"))
        let whole = try await compile(recipe, to: "whole.pare", wholeModel: true, adapters: adapters)
        #expect(layerwise.bytes == whole.bytes)
        #expect(layerwise.result.manifest.passLog[0].counters["linears-changed", default: 0] > 0)
    }

    /// Decoders (GPT-2, Llama with grouped key/value heads, Mistral's sliding window, Qwen2's
    /// biases) compile block by block to the whole-model path's bytes, calibration prefill
    /// carried from block to block; so does T5, whose passes change its encoder's blocks (the
    /// decoder's linears stay whole unless `select` names them, which runs the whole model).
    @Test(arguments: ["tiny-gpt2", "tiny-llama", "tiny-mistral", "tiny-qwen2", "tiny-t5"], [0, 1])
    func decodersCompileBlockByBlockToTheWholeModelsBytes(_ name: String, _ i: Int) async throws {
        let recipe = [Self.recipes[1], InspectTests.repository + "/passes/max-compress.yaml"][i]
        func compile(wholeModel: Bool) async throws -> (Data, Compile.Result) {
            var options = Compile.Options(recipe: recipe)
            options.wholeModel = wholeModel
            let path = directory + "/\(name)-\(i)-\(wholeModel).pare"
            let result = try await Compile.run(model: InspectTests.fixtures + "/" + name, output: path, options: options)
            return (try #require(FileManager.default.contents(atPath: path)), result)
        }
        let (layerwise, result) = try await compile(wholeModel: false)
        #expect(result.wholeModelReason == nil)
        #expect(result.manifest.passLog.contains { $0.changed })
        let (whole, _) = try await compile(wholeModel: true)
        #expect(layerwise == whole)
    }

    @Test func theBytesDoNotDependOnTheThreadCount() async throws {
        let recipe = Self.recipes[1]
        let one = try await compile(recipe, to: "one.pare", threads: 1)
        for threads in [2, 3] {
            #expect(try await compile(recipe, to: "\(threads).pare", threads: threads).bytes == one.bytes)
            #expect(try await compile(recipe, to: "w\(threads).pare", wholeModel: true, threads: threads).bytes == one.bytes)
        }
    }

    @Test func progressNamesTheSweepTheBlockAndTheTimeLeft() async throws {
        let lines = Lines()
        _ = try await Compile.run(model: model, output: directory + "/progress.pare", options: .init(recipe: Self.recipes[1]),
                                  progress: { lines.append($0) })
        let blocks = lines.all.filter { $0.contains(": block ") }
        #expect(blocks.map { $0.components(separatedBy: ", ").prefix(2).joined(separator: ", ") } == [
            "sweep 1/3, scores for step 1 (head-prune): block 1/2", "sweep 1/3, scores for step 1 (head-prune): block 2/2",
            "sweep 2/3, scores for step 2 (ffn-prune): block 1/2", "sweep 2/3, scores for step 2 (ffn-prune): block 2/2",
            "sweep 3/3, compile: block 1/2", "sweep 3/3, compile: block 2/2",
        ])
        #expect(blocks.allSatisfy { $0.hasSuffix(" s left in this sweep") })
    }

    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        func append(_ line: String) { lock.withLock { lines.append(line) } }
        var all: [String] { lock.withLock { lines } }
    }

    @Test func recipesThatNeedTheWholeModelSayWhy() async throws {
        let svd = try await compile("head-prune{fraction=0.25},svd-lowrank{rank-ratio=0.5,force=true}", to: "svd.pare")
        #expect(svd.result.wholeModelReason == "step 2 (svd-lowrank) runs on the whole model")
        let head = try await compile("int8-quantize{select=**}", to: "head.pare")
        #expect(head.result.wholeModelReason == "step 1 (int8-quantize) runs on the whole model with these options or inputs")
        let fidelity = try await compile("elimination-profile{min-fidelity=0.9}", to: "fidelity.pare")
        #expect(fidelity.result.wholeModelReason?.contains("elimination-profile") == true)
        var options = Compile.Options(recipe: "int8-quantize{select=**}")
        let llama = try await Compile.run(model: InspectTests.fixtures + "/tiny-llama", output: directory + "/llama.pare", options: options)
        #expect(llama.wholeModelReason == "step 1 (int8-quantize) runs on the whole model with these options or inputs")
        options.recipe = "int8-quantize{select=decoder.**}"
        let t5 = try await Compile.run(model: InspectTests.fixtures + "/tiny-t5", output: directory + "/t5.pare", options: options)
        #expect(t5.wholeModelReason == "step 1 (int8-quantize) runs on the whole model with these options or inputs")
    }
}
