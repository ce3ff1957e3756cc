import Foundation
import Testing
@testable import Tokenizers

/// The committed tokenizer fixtures, made by scripts/fixtures/generate.py with Hugging Face
/// tokenizers 0.22.2 / transformers 4.57, and the real example model fetched by
/// scripts/fetch-example-model.sh.
enum Fixtures {
    static let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let root = tests.appendingPathComponent("Fixtures").path
    static let tinyBert = root + "/tiny-bert"
    static let tinyGPT2 = root + "/tiny-gpt2"
    static let miniLM = tests.deletingLastPathComponent().appendingPathComponent("examples/models/all-MiniLM-L6-v2").path

    /// CI sets PARE_REQUIRE_MODEL=1 after fetching the model: then a missing model fails instead of skipping.
    static var miniLMAvailable: Bool {
        FileManager.default.fileExists(atPath: miniLM + "/tokenizer.json")
            || ProcessInfo.processInfo.environment["PARE_REQUIRE_MODEL"] == "1"
    }

    /// `tokenizer/corpus.json`: 351 edge-case strings (scripts/fixtures/corpus_data.py).
    static let corpus: [String] = decode([String].self, "tokenizer/corpus.json")

    /// `tokenizer/<name>-ids.json`: HF's ids for each corpus string.
    struct Oracle: Decodable {
        let tokenizer: String
        let add_special_tokens: Bool
        let ids: [[Int]]
        /// minilm only: the ids with `truncation=True, max_length=128`.
        let truncation_max_length: Int?
        let ids_truncated_128: [[Int]]?
    }

    static func oracle(_ name: String) -> Oracle { decode(Oracle.self, "tokenizer/\(name)-ids.json") }

    private static func decode<T: Decodable>(_ type: T.Type, _ file: String) -> T {
        let data = try! Data(contentsOf: URL(fileURLWithPath: root + "/" + file))
        return try! JSONDecoder().decode(type, from: data)
    }

    // Loaded once and shared by the tests (loading MiniLM's 30522-token vocabulary takes a while in debug).
    static let tinyBertTokenizer = Result { () throws(TokenizerError) in try TokenizerLoader.load(directory: tinyBert) }
    static let tinyGPT2Tokenizer = Result { () throws(TokenizerError) in try TokenizerLoader.load(directory: tinyGPT2) }
    static let miniLMTokenizer = Result { () throws(TokenizerError) in try TokenizerLoader.load(directory: miniLM) }
}

/// Expects `tokenizer` to give `expected[i]` for every corpus string `i`; on failure records the
/// first mismatching strings with both id lists. Returns how many strings matched.
@discardableResult
func expectCorpusIds(_ tokenizer: any Tokenizer, _ expected: [[Int]], addSpecialTokens: Bool, maxLength: Int? = nil,
                     _ label: String, sourceLocation: SourceLocation = #_sourceLocation) -> Int {
    let corpus = Fixtures.corpus
    #expect(corpus.count == expected.count, "\(label): corpus and oracle sizes differ", sourceLocation: sourceLocation)
    var mismatches: [String] = []
    for (text, want) in zip(corpus, expected) {
        let got = tokenizer.encode(text, addSpecialTokens: addSpecialTokens, maxLength: maxLength).ids
        if got != want { mismatches.append("\(text.debugDescription)\n  got  \(got)\n  want \(want)") }
    }
    let matched = expected.count - mismatches.count
    if !mismatches.isEmpty {
        let report = "\(label): \(matched)/\(expected.count) corpus strings match; first mismatches:\n"
            + mismatches.prefix(5).joined(separator: "\n")
        Issue.record(Comment(rawValue: report), sourceLocation: sourceLocation)
    }
    return matched
}
