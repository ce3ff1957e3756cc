import Testing
@testable import Tokenizers

/// Every corpus string against the ids HF tokenizers gave (oracle: tokenizer/*-ids.json, exact).
@Suite struct TokenizerCorpusTests {
    @Test func tinyBertGivesHFIdsForEveryCorpusString() throws {
        let tokenizer = try Fixtures.tinyBertTokenizer.get()
        #expect(tokenizer is WordPieceTokenizer)
        let oracle = Fixtures.oracle("tiny-bert")
        #expect(oracle.add_special_tokens)
        expectCorpusIds(tokenizer, oracle.ids, addSpecialTokens: true, "tiny-bert")
    }

    @Test func tinyGPT2GivesHFIdsForEveryCorpusString() throws {
        let tokenizer = try Fixtures.tinyGPT2Tokenizer.get()
        #expect(tokenizer is ByteLevelBPETokenizer)
        let oracle = Fixtures.oracle("tiny-gpt2")
        #expect(!oracle.add_special_tokens)
        expectCorpusIds(tokenizer, oracle.ids, addSpecialTokens: false, "tiny-gpt2")
        // GPT-2's post-processor adds nothing, so the specials change nothing either.
        expectCorpusIds(tokenizer, oracle.ids, addSpecialTokens: true, "tiny-gpt2 with specials")
    }

    /// Llama 3's layout (a Split pre-tokenizer with Llama 3's pattern, ByteLevel without its own
    /// regex, the BOS from TemplateProcessing) and Qwen2's (NFC, Qwen2's pattern, no BOS).
    @Test(arguments: ["tiny-llama", "tiny-qwen2"])
    func llamaFamilyLayoutsGiveHFIdsForEveryCorpusString(name: String) throws {
        let tokenizer = try TokenizerLoader.load(directory: Fixtures.root + "/" + name)
        #expect((tokenizer as? ByteLevelBPETokenizer)?.split != nil)
        let oracle = Fixtures.oracle(name)
        #expect(oracle.add_special_tokens)
        expectCorpusIds(tokenizer, oracle.ids, addSpecialTokens: true, name)
        #expect(tokenizer.encode("Hi", addSpecialTokens: true, maxLength: nil).ids.first == (name == "tiny-llama" ? 300 : 40))
    }

    @Test(.enabled(if: Fixtures.miniLMAvailable, "examples/models/all-MiniLM-L6-v2 not downloaded"))
    func miniLMGivesHFIdsForEveryCorpusString() throws {
        let tokenizer = try Fixtures.miniLMTokenizer.get()
        let oracle = Fixtures.oracle("minilm")
        expectCorpusIds(tokenizer, oracle.ids, addSpecialTokens: true, "all-MiniLM-L6-v2")
    }

    /// HF `enable_truncation(max_length=128)`: specials kept, the text's tokens cut from the right.
    @Test(.enabled(if: Fixtures.miniLMAvailable, "examples/models/all-MiniLM-L6-v2 not downloaded"))
    func miniLMTruncatedTo128GivesHFIds() throws {
        let tokenizer = try Fixtures.miniLMTokenizer.get()
        let oracle = Fixtures.oracle("minilm")
        let maxLength = try #require(oracle.truncation_max_length)
        let truncated = try #require(oracle.ids_truncated_128)
        expectCorpusIds(tokenizer, truncated, addSpecialTokens: true, maxLength: maxLength, "all-MiniLM-L6-v2, max_length 128")
        for (text, full) in zip(Fixtures.corpus, oracle.ids) {
            let encoding = tokenizer.encode(text, addSpecialTokens: true, maxLength: maxLength)
            #expect(encoding.truncated == (full.count > maxLength), "\(text.debugDescription)")
            #expect(encoding.typeIds == [Int](repeating: 0, count: encoding.ids.count))
        }
    }
}
