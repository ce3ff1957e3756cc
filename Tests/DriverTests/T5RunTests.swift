import Foundation
import Testing
@testable import Driver

/// `pare run` on an encoder-decoder (the tiny Flan-T5 fixture), from the directory and from a
/// compiled artifact. Oracle: transformers' ids, top-5 first-step tokens and greedy tokens
/// (golden/tiny-flan-t5-forward.json, scripts/fixtures/generate_t5.py).
@Suite struct T5RunTests {
    struct Golden: Decodable {
        let input_ids: [[Int]]
        let top5: [Top5]
        let generated: [[Int]]
        struct Top5: Decodable { let ids: [Int] }
    }

    @Test func runGeneratesWhatTransformersDoes() async throws {
        let source = InspectTests.fixtures + "/tiny-flan-t5"
        let golden = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: URL(fileURLWithPath: InspectTests.fixtures + "/golden/tiny-flan-t5-forward.json")))
        let text = "translate English to German: The house is wonderful."
        let path = NSTemporaryDirectory() + "pare-t5-\(UUID().uuidString).pare"
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try await Compile.run(model: source, output: path, options: .init(recipe: "cast{dtype=f32}"))
        for model in [source, path] {
            let input = try #require(try Run.run(path: model, options: .init(texts: [text], newTokens: 12)).inputs.first)
            #expect(input.ids == golden.input_ids[1])
            #expect(input.next?.map(\.id) == golden.top5[1].ids)
            let continuation = try #require(input.continuation)
            #expect(!continuation.isEmpty && continuation.count <= 12)
            // Stopping at </s> is the only difference from the golden, which never chooses it.
            let end = continuation.firstIndex(of: 1) ?? continuation.count
            #expect(Array(continuation[..<end]) == Array(golden.generated[1].prefix(end)))
        }
    }
}
