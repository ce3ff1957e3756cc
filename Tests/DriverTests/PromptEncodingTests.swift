import Foundation
import Testing
@testable import Driver

/// Prompts as transformers' `tokenizer(text)` gives them (oracle: the tokenizer's own encoding
/// with and without specials): a Llama prompt starts with its BOS in `pare run` and in
/// calibration, and a cut prompt keeps its specials and the end of its text.
@Suite struct PromptEncodingTests {
    @Test func aCutPromptKeepsItsSpecialsAndTheEndOfItsText() {
        // [BOS] text [EOS] with 6 text ids, cut to 5: BOS, the last 3 text ids, EOS.
        #expect(PromptEncoding.keepingEnd([1, 10, 11, 12, 13, 14, 15, 2], text: [10, 11, 12, 13, 14, 15], limit: 5) == [1, 13, 14, 15, 2])
        #expect(PromptEncoding.keepingEnd([1, 10, 11, 12], text: [10, 11, 12], limit: 2) == [1, 12])
        // No specials: the end; specials alone over the limit: the last ids.
        #expect(PromptEncoding.keepingEnd([10, 11, 12], text: [10, 11, 12], limit: 2) == [11, 12])
        #expect(PromptEncoding.keepingEnd([1, 10, 2], text: [10], limit: 2) == [10, 2])
    }

    @Test func aLlamaPromptStartsWithItsBOS() throws {
        let model = InspectTests.fixtures + "/tiny-llama"
        let source = try ModelSource.load(model)
        let tokenizer = try source.tokenizer(path: model)
        let text = "the quick brown fox jumps over the lazy dog"
        let plain = tokenizer.encode(text, addSpecialTokens: false, maxLength: nil).ids
        let bos = try #require(tokenizer.specialTokens.bos)
        let report = try Run.run(path: model, options: .init(texts: [text], newTokens: 1))
        #expect(report.inputs[0].ids == [bos] + plain)
        var warnings: [String] = []
        let cut = try Run.run(path: model, options: .init(texts: [text], maxLength: 4, newTokens: 1)) { warnings.append($0) }
        #expect(cut.inputs[0].ids == [bos] + plain.suffix(3) && cut.inputs[0].truncated && warnings.count == 1)
        let calibration = try CalibrationInput.load(.init(path: InspectTests.repository + "/examples/calibration/default.txt", samples: 4, maxLength: 16),
                                                    config: source.model.config, tokenizer: tokenizer)
        #expect(calibration.samples.allSatisfy { $0.first == bos && $0.count <= 16 })
    }
}
