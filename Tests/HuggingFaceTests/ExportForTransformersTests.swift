import Foundation
@testable import HuggingFace
import ModelIR
import Runtime
import Testing

/// With `PARE_EXPORT_DIR=<dir>`, writes compiled decoder exports for
/// scripts/fixtures/check_export.py: `<dir>/<fixture>-compiled-<name>`, each with
/// `pare_outputs.json` (input ids and Pare's next-token logits of the compiled model in memory,
/// its weights as exported), which the script compares with transformers' logits of the export.
/// Skipped otherwise; no torch in CI.
@Suite struct ExportForTransformersTests {
    static let target = ProcessInfo.processInfo.environment["PARE_EXPORT_DIR"]

    static let none = "head-prune{fraction=0.5,reconstruction=none},ffn-prune{fraction=0.25,keep-multiple=1,reconstruction=none}"

    @Test(.enabled(if: target != nil), arguments: [
        ("tiny-llama", "reconstructing", RoundTripTests.reconstructing), ("tiny-qwen2", "reconstructing", RoundTripTests.reconstructing),
        ("tiny-llama", "none", none), ("tiny-qwen2", "none", none), ("tiny-mistral", "none", none),
        ("tiny-llama", "max", "passes/max-compress.yaml"), ("tiny-mistral", "windowless", RoundTripTests.reconstructing),
    ])
    func writeCompiledExport(fixture: String, name: String, recipe: String) async throws {
        let root = Self.target!
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let compiled = try await RoundTrip.compiled(fixture, recipe.hasSuffix(".yaml") ? repo + "/" + recipe : recipe) {
            if name == "windowless" { $0.config.slidingWindow = nil }
        }
        let out = root + "/\(fixture)-compiled-\(name)"
        try? FileManager.default.removeItem(atPath: out)
        _ = try RoundTrip.exportAndImport(compiled, fixture: fixture, to: out)
        let prepared = PreparedModel(RoundTrip.densified(compiled))
        let logits = try RoundTrip.heldOut.map { try prepared.decode(TokenBatch(ids: [$0])).nextTokenLogits[0] }
        let json: [String: Any] = ["input_ids": RoundTrip.heldOut, "next_token_logits": logits.map { $0.map(Double.init) }]
        try JSONSerialization.data(withJSONObject: json, options: .sortedKeys).write(to: URL(fileURLWithPath: out + "/pare_outputs.json"))
    }
}
