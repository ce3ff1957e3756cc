import Foundation
import Testing
import ModelIR
@testable import Driver

/// `pare inspect` on the committed fixtures and the real model; the oracle for counts is
/// transformers (golden/*.json) and for FLOPs the hand calculation in ModelIRTests.
@Suite struct InspectTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let fixtures = repository + "/Tests/Fixtures"

    /// A fresh directory `<tmp>/<prefix>-<UUID>` for one suite's outputs.
    static func temporaryDirectory(_ prefix: String) -> String {
        let d = NSTemporaryDirectory() + "\(prefix)-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }
    static let miniLM = repository + "/examples/models/all-MiniLM-L6-v2"
    static var miniLMAvailable: Bool {
        FileManager.default.fileExists(atPath: miniLM + "/model.safetensors")
            || ProcessInfo.processInfo.environment["PARE_REQUIRE_MODEL"] == "1"
    }

    @Test func modelDirectorySummary() throws {
        let report = try Inspect.run(path: Self.fixtures + "/tiny-gpt2", workload: Workload(batch: 2, sequenceLength: 16))
        #expect(report.kind == .modelDirectory)
        #expect(report.architecture?.modelType == "gpt2" && report.architecture?.causal == true)
        #expect(report.architecture?.head == ["final-norm", "lm(tied)"])
        #expect(report.parameters == 37_120)
        #expect(report.bytesByDType == ["f32": 4 * 37_120])
        #expect(report.flops?.layers.count == 2 && report.flops?.batch == 2)
        #expect(report.tensors == nil)
    }

    @Test func shardedDirectoryListsItsFiles() throws {
        let report = try Inspect.run(path: Self.fixtures + "/tiny-bert-sharded", workload: Workload())
        #expect(report.files == ["model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
                                 "model-00003-of-00003.safetensors"])
        #expect(report.parameters == 23_210)
    }

    @Test func bareSafetensorsFileGivesTheTensorTable() throws {
        let report = try Inspect.run(path: Self.fixtures + "/tiny-bert/model.safetensors", workload: Workload())
        #expect(report.kind == .safetensors && report.architecture == nil && report.flops == nil)
        #expect(report.tensors?.first == InspectReport.TensorRow(name: "embeddings.LayerNorm.bias", dtype: "f32", shape: [32], bytes: 128))
        #expect(report.parameters == 23_210)
        #expect(report.text().contains("embeddings.word_embeddings.weight"))
    }

    @Test func jsonIsDeterministicAndRelative() throws {
        let a = try Inspect.run(path: Self.fixtures + "/tiny-bert", workload: Workload()).json()
        let b = try Inspect.run(path: Self.fixtures + "/tiny-bert", workload: Workload()).json()
        #expect(a == b)
        let decoded = try JSONSerialization.jsonObject(with: Data(a.utf8)) as? [String: Any]
        #expect(decoded?["parameters"] as? Int == 23_210)
        #expect((decoded?["flops"] as? [String: Any])?["sequence_length"] as? Int == 128)
    }

    @Test func missingPathAndArtifactAreClearErrors() {
        #expect(throws: DriverError.input(path: "/nonexistent/model", "no such file or directory",
                                          "pass a model directory, a .safetensors file or a .pare artifact")) {
            try Inspect.run(path: "/nonexistent/model", workload: Workload())
        }
    }

    @Test(.enabled(if: InspectTests.miniLMAvailable))
    func miniLMTextReport() throws {
        let report = try Inspect.run(path: Self.miniLM, workload: Workload())
        #expect(report.parameters == 22_713_216)
        #expect(report.flops?.total == 2_892_350_208)
        let text = report.text()
        #expect(text.contains("parameters     22,713,216\n"))
        #expect(text.contains("0             113.4      12.6       1.0      12.6      37.8       0.8     303.8     481.9\n"))
        #expect(text.contains("total 2.892 GFLOP"))
    }

    @Test func formatting() {
        // Grouping thousands is Report's NumberFormat.grouped (NumberFormatTests).
        #expect(Format.fixed(0.0005, 3) == "0.001" && Format.fixed(2.5, 0) == "3" && Format.fixed(-0.04, 1) == "0.0" && Format.fixed(-0.06, 1) == "-0.1")
    }
}
