import Testing
@testable import Tokenizers

/// `maxLength` counts the specials, like HF `truncation=True, max_length=` (the MiniLM corpus
/// test checks 351 strings against HF at 128; these pin the edges).
@Suite struct TokenizerTruncationTests {
    /// tiny-bert ids of "The quick brown fox jumps over the lazy dog." (HF), without [CLS]/[SEP].
    static let fox = [69, 165, 51, 143, 156, 98, 55, 20, 56, 65, 24, 194, 152, 29, 93, 69, 26, 43, 67, 66, 132, 49, 8]
    static let text = "The quick brown fox jumps over the lazy dog."

    @Test func truncationKeepsTheSpecials() throws {
        let tokenizer = try Fixtures.tinyBertTokenizer.get()
        let encoding = tokenizer.encode(Self.text, addSpecialTokens: true, maxLength: 5)
        #expect(encoding == Encoding(ids: [2, 69, 165, 51, 3], typeIds: [0, 0, 0, 0, 0], truncated: true))
    }

    @Test func anEncodingThatFitsIsNotTruncated() throws {
        let tokenizer = try Fixtures.tinyBertTokenizer.get()
        let full = tokenizer.encode(Self.text, addSpecialTokens: true, maxLength: nil)
        #expect(full.ids == [2] + Self.fox + [3])
        #expect(!full.truncated)
        #expect(tokenizer.encode(Self.text, addSpecialTokens: true, maxLength: full.ids.count) == full)
        let shorter = tokenizer.encode(Self.text, addSpecialTokens: true, maxLength: full.ids.count - 1)
        #expect(shorter.truncated)
        #expect(shorter.ids == [2] + Self.fox.dropLast() + [3])
    }

    @Test func withoutSpecialsMaxLengthCountsOnlyTheText() throws {
        let tokenizer = try Fixtures.tinyBertTokenizer.get()
        #expect(tokenizer.encode(Self.text, addSpecialTokens: false, maxLength: 3)
                == Encoding(ids: Array(Self.fox.prefix(3)), typeIds: [0, 0, 0], truncated: true))
        let gpt2 = try Fixtures.tinyGPT2Tokenizer.get()
        #expect(gpt2.encode(Self.text, addSpecialTokens: false, maxLength: 4)
                == Encoding(ids: [276, 221, 81, 85], typeIds: [0, 0, 0, 0], truncated: true))
    }

    /// Pare's choice where HF does not truncate at all (tokenizers 0.22.2 returns the whole text).
    @Test func aMaxLengthBelowTheSpecialsLeavesOnlyTheSpecials() throws {
        let tokenizer = try Fixtures.tinyBertTokenizer.get()
        #expect(tokenizer.encode(Self.text, addSpecialTokens: true, maxLength: 1)
                == Encoding(ids: [2, 3], typeIds: [0, 0], truncated: true))
        #expect(tokenizer.encode("", addSpecialTokens: true, maxLength: 0)
                == Encoding(ids: [2, 3], typeIds: [0, 0], truncated: false))
    }
}
