import Foundation
import Testing
import NumericTolerance
import HuggingFace
import ModelIR
import Runtime
import TensorCore
@testable import Passes

/// Wall time of merge-lora (printed, not asserted). The MiniLM case needs an adapter made by
/// `scripts/fixtures/generate_lora.py --minilm DIR` (not committed) and PARE_LORA_MINILM=DIR/minilm-lora;
/// its oracle is the same as the fixtures': PEFT's merge_and_unload and the unmerged PeftModel.
@Suite struct MergeLoRATimingTests {
    static let miniLM = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples/models/all-MiniLM-L6-v2").path
    static let miniLMAdapter = ProcessInfo.processInfo.environment["PARE_LORA_MINILM"]
    static var miniLMReady: Bool {
        miniLMAdapter != nil && FileManager.default.fileExists(atPath: miniLM + "/model.safetensors")
    }

    @Test func fixtureMergeTimes() async throws {
        for name in LoRAFixtures.names {
            let model = try LoRAFixtures.model(LoRAFixtures.bases[name]!)
            let adapter = try LoRAFixtures.adapter(name, for: model)
            var merged = model
            let elapsed = try await ContinuousClock().measure {
                _ = try await MergeLoRA(options: .init()).run(on: &merged, context: PassContext(adapters: [adapter]))
            }
            print("merge-lora \(name): \(String(format: "%.2f", elapsed.inSeconds * 1000)) ms")
        }
    }

    @Test(.enabled(if: MergeLoRATimingTests.miniLMReady))
    func miniLMMergeMatchesPEFT() async throws {
        let directory = Self.miniLMAdapter!
        let model = try ModelImporter.model(directory: Self.miniLM).graph
        let clock = ContinuousClock()
        var adapter: LoRAAdapter?
        let load = try clock.measure { adapter = try PEFTAdapterImporter.adapter(directory: directory, for: model.skeleton) }
        var merged = model
        var result: PassResult?
        let run = try await clock.measure {
            result = try await MergeLoRA(options: .init()).run(on: &merged, context: PassContext(adapters: [adapter!]))
        }
        print("merge-lora all-MiniLM-L6-v2 (r 16, 36 linears): load \(String(format: "%.3f", load.inSeconds)) s, "
              + "merge \(String(format: "%.3f", run.inSeconds)) s")
        #expect(result?.counters == ["adapters-merged": 1, "linears-changed": 36])
        LoRAFixtures.expect(merged, equals: try LoRAFixtures.golden(directory + "/merged.safetensors"), base: model, tolerance: 1e-6)

        struct Outputs: Decodable { let input_ids: [[Int]]; let last_hidden_state: [[[Float]]] }
        let golden = try JSONDecoder().decode(Outputs.self, from: Data(contentsOf: URL(fileURLWithPath: directory + "/outputs.json")))
        let out = try PreparedModel(merged).encode(TokenBatch(ids: golden.input_ids))
        for b in golden.input_ids.indices {
            let diff = maxDifference(out.hidden(sample: b), golden.last_hidden_state[b].flatMap { $0 })
            #expect(diff <= 1e-4, "sample \(b): max |Δ| = \(diff)")
        }
    }
}
