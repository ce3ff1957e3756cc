import Testing
@testable import Tokenizers

/// Special roles, added tokens in the text, empty texts. Oracle: HF tokenizers 0.22.2 ids.
@Suite struct TokenizerSpecialTokensTests {
    @Test func specialRoles() throws {
        #expect(try Fixtures.tinyBertTokenizer.get().specialTokens == SpecialTokens(cls: 2, sep: 3, pad: 0, unk: 1, mask: 4))
        #expect(try Fixtures.tinyGPT2Tokenizer.get().specialTokens == SpecialTokens(unk: 0, bos: 0, eos: 0))
    }

    @Test(.enabled(if: Fixtures.miniLMAvailable, "examples/models/all-MiniLM-L6-v2 not downloaded"))
    func miniLMRolesAndAddedTokens() throws {
        let tokenizer = try Fixtures.miniLMTokenizer.get()
        #expect(tokenizer.vocabularySize == 30522)
        #expect(tokenizer.specialTokens == SpecialTokens(cls: 101, sep: 102, pad: 0, unk: 100, mask: 103))
        #expect(tokenizer.id(of: "[MASK]") == 103)
        #expect(tokenizer.id(of: "##ing") == 2075)
        #expect(tokenizer.id(of: "not-a-token") == nil)
        // Added tokens are matched in the raw text, before lowercasing: "[mask]" is three words.
        #expect(tokenizer.encode("a[MASK]b [CLS] x").ids == [101, 1037, 103, 1038, 101, 1060, 102])
        #expect(tokenizer.encode("Hello [mask] [MASK]").ids == [101, 7592, 1031, 7308, 1033, 103, 102])
        // A CJK compatibility ideograph: padded as CJK, then NFD maps it to U+793E 社.
        #expect(tokenizer.encode("\u{FA4C}").ids == [101, 1924, 102])
        // 100 scalars is still a word, 101 is [UNK].
        #expect(tokenizer.encode(String(repeating: "a", count: 100)).ids.count == 52)
        #expect(tokenizer.encode(String(repeating: "x", count: 101)).ids == [101, 100, 102])
    }

    @Test func addedTokensInTheText() throws {
        #expect(try Fixtures.tinyBertTokenizer.get().encode("a[MASK]b").ids == [2, 15, 4, 16, 3])
        let gpt2 = try Fixtures.tinyGPT2Tokenizer.get()
        #expect(gpt2.encode("hello<|endoftext|> world", addSpecialTokens: false, maxLength: nil).ids
                == [258, 76, 76, 79, 0, 263, 272, 76, 68])
        #expect(gpt2.id(of: "Ġthe") == 260)
        #expect(gpt2.id(of: "<|endoftext|>") == 0)
    }

    @Test func anEmptyTextIsJustTheSpecials() throws {
        let bert = try Fixtures.tinyBertTokenizer.get()
        #expect(bert.encode("") == Encoding(ids: [2, 3], typeIds: [0, 0], truncated: false))
        #expect(bert.encode(" \u{200B}\t") == Encoding(ids: [2, 3], typeIds: [0, 0], truncated: false))
        #expect(bert.encode("", addSpecialTokens: false, maxLength: nil).ids.isEmpty)
        #expect(try Fixtures.tinyGPT2Tokenizer.get().encode("").ids.isEmpty)
    }
}
