import Foundation

/// Golden outputs written by scripts/fixtures/generate.py with Hugging Face transformers 4.57
/// (model.eval(), f32), and the paths of the models they came from.
enum Goldens {
    static let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = tests.appendingPathComponent("Fixtures").path
    static let miniLM = tests.deletingLastPathComponent().appendingPathComponent("examples/models/all-MiniLM-L6-v2").path
    static var miniLMAvailable: Bool {
        FileManager.default.fileExists(atPath: miniLM + "/model.safetensors")
            || ProcessInfo.processInfo.environment["PARE_REQUIRE_MODEL"] == "1"
    }

    static func load<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(contentsOf: URL(fileURLWithPath: fixtures + "/golden/\(name).json")))
    }

    struct BERTForward: Decodable {
        let input_ids: [[Int]]
        let attention_mask: [[Int]]
        let token_type_ids: [[Int]]
        /// [layers + 1][batch][seq][d]
        let hidden_states: [[[[Float]]]]
        let pooler_output: [[Float]]
        /// [batch][heads][seq][seq]
        let attentions_layer0: [[[[Float]]]]
    }

    struct BERTClassifierForward: Decodable {
        let input_ids: [[Int]]
        let attention_mask: [[Int]]
        let token_type_ids: [[Int]]
        let logits: [[Float]]
    }

    struct GPT2Forward: Decodable {
        let input_ids: [[Int]]
        let lengths: [Int]
        let last_hidden_state: [[[Float]]]
        let logits_at_last_valid_position: [[Float]]
        let generate_prompt: [Int]
        let generated_new_ids: [Int]
    }

    struct MiniLM: Decodable {
        let num_parameters: Int
        let input_ids: [[Int]]
        let lengths: [Int]
        let embeddings: [[Float]]
        let last_hidden_state_first2: [[[Float]]]
    }
}

extension Array where Element == [Int] {
    /// Rows cut to their mask's valid length (right padding removed).
    func unpadded(by mask: [[Int]]) -> [[Int]] {
        zip(self, mask).map { row, m in [Int](row.prefix(m.reduce(0, +))) }
    }
}
