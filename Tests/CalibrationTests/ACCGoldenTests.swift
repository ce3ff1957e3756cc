import Foundation
import Testing
import HuggingFace
import ModelIR
import Kernels
import Runtime
@testable import Calibration

/// Oracle: ACC computed by scripts/fixtures/generate.py in float64 numpy from the attention
/// probabilities Hugging Face transformers returns (`output_attentions=True`, eager attention)
/// on the same token ids, one sample at a time. Tolerance 1e-4 (the bound).
@Suite struct ACCGoldenTests {
    static let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = tests.appendingPathComponent("Fixtures").path
    static let miniLM = tests.deletingLastPathComponent().appendingPathComponent("examples/models/all-MiniLM-L6-v2").path
    static var miniLMAvailable: Bool {
        FileManager.default.fileExists(atPath: miniLM + "/model.safetensors")
            || ProcessInfo.processInfo.environment["PARE_REQUIRE_MODEL"] == "1"
    }

    struct Golden: Decodable {
        let input_ids: [[Int]]
        let acc: [Double]
        let acc_std: [Double]
        let per_sample: [[Double]]
    }

    static func golden(_ name: String) throws -> Golden {
        try JSONDecoder().decode(Golden.self, from: Data(contentsOf: URL(fileURLWithPath: fixtures + "/golden/\(name)-acc.json")))
    }

    static func check(model directory: String, golden name: String) throws {
        let golden = try Self.golden(name)
        let model = PreparedModel(try ModelImporter.model(directory: directory).graph)
        let m = try ACCMeasurement.measure(model, samples: golden.input_ids, batchSize: 5)
        #expect(m.samples == golden.input_ids.count)
        for (l, (got, want)) in zip(m.acc, golden.acc).enumerated() {
            #expect(abs(got - want) <= 1e-4, "\(name) layer \(l + 1): ACC \(got), transformers \(want)")
        }
        for (l, (got, want)) in zip(m.standardDeviation, golden.acc_std).enumerated() {
            #expect(abs(got - want) <= 1e-4, "\(name) layer \(l + 1): std \(got), transformers \(want)")
        }
    }

    @Test func tinyBERT() throws { try Self.check(model: Self.fixtures + "/tiny-bert", golden: "tiny-bert") }

    @Test func tinyGPT2CausalEquation8() throws { try Self.check(model: Self.fixtures + "/tiny-gpt2", golden: "tiny-gpt2") }

    /// Grouped-query attention with rotary positions: the head mean runs over the 4 query heads.
    @Test func tinyLlamaCausalEquation8() throws { try Self.check(model: Self.fixtures + "/tiny-llama", golden: "tiny-llama") }

    @Test(.enabled(if: ACCGoldenTests.miniLMAvailable))
    func miniLM() throws { try Self.check(model: Self.miniLM, golden: "minilm") }
}

/// The profile is baked into artifacts, which must be byte-identical on any core count.
@Suite(.serialized) struct ACCDeterminismTests {
    @Test func sameACCWhateverTheBLASThreadCount() throws {
        let golden = try ACCGoldenTests.golden("tiny-bert")
        let model = PreparedModel(try ModelImporter.model(directory: ACCGoldenTests.fixtures + "/tiny-bert").graph)
        // withCount holds off other tests' changes of the process-wide count while each runs.
        let two = try BLASThreads.withCount(2) { () throws -> ACCMeasurement in
            let result = try ACCMeasurement.measure(model, samples: golden.input_ids)
            #expect(BLASThreads.count == 2, "measure restores the caller's count")
            return result
        }
        let one = try BLASThreads.withCount(1) { try ACCMeasurement.measure(model, samples: golden.input_ids) }
        #expect(one == two)
    }
}
