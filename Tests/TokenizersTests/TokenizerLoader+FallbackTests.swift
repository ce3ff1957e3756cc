import Testing
@testable import Tokenizers

/// Without tokenizer.json, vocab.txt (WordPiece) and vocab.json + merges.txt (byte-level BPE)
/// must give the ids tokenizer.json gives (oracle: the tokenizer.json tokenizer, itself checked
/// against HF). Only those files are copied, so no tokenizer_config.json helps.
@Suite struct TokenizerLoaderFallbackTests {
    @Test func tinyBertVocabTxtGivesTheIdsOfTokenizerJSON() throws {
        let dir = TemporaryDirectory()
        dir.copy(["vocab.txt"], from: Fixtures.tinyBert)
        let fallback = try TokenizerLoader.load(directory: dir.path)
        #expect(fallback is WordPieceTokenizer)
        let reference = try Fixtures.tinyBertTokenizer.get()
        #expect(fallback.vocabularySize == reference.vocabularySize)
        #expect(fallback.specialTokens == reference.specialTokens)
        expectCorpusIds(fallback, Fixtures.oracle("tiny-bert").ids, addSpecialTokens: true, "tiny-bert vocab.txt")
    }

    @Test(.enabled(if: Fixtures.miniLMAvailable, "examples/models/all-MiniLM-L6-v2 not downloaded"))
    func miniLMVocabTxtGivesTheIdsOfTokenizerJSON() throws {
        let dir = TemporaryDirectory()
        dir.copy(["vocab.txt"], from: Fixtures.miniLM)
        let fallback = try TokenizerLoader.load(directory: dir.path)
        let reference = try Fixtures.miniLMTokenizer.get()
        #expect(fallback.vocabularySize == reference.vocabularySize)
        #expect(fallback.specialTokens == reference.specialTokens)
        let oracle = Fixtures.oracle("minilm")
        expectCorpusIds(fallback, oracle.ids, addSpecialTokens: true, "all-MiniLM-L6-v2 vocab.txt")
        expectCorpusIds(fallback, try #require(oracle.ids_truncated_128), addSpecialTokens: true, maxLength: 128,
                        "all-MiniLM-L6-v2 vocab.txt, max_length 128")
    }

    @Test func tinyGPT2VocabJSONAndMergesGiveTheIdsOfTokenizerJSON() throws {
        let dir = TemporaryDirectory()
        dir.copy(["vocab.json", "merges.txt"], from: Fixtures.tinyGPT2)
        let fallback = try TokenizerLoader.load(directory: dir.path)
        #expect(fallback is ByteLevelBPETokenizer)
        let reference = try Fixtures.tinyGPT2Tokenizer.get()
        #expect(fallback.vocabularySize == reference.vocabularySize)
        #expect(fallback.specialTokens == reference.specialTokens)
        expectCorpusIds(fallback, Fixtures.oracle("tiny-gpt2").ids, addSpecialTokens: false, "tiny-gpt2 vocab.json + merges.txt")
        #expect(fallback.encode("hello<|endoftext|> world", addSpecialTokens: false, maxLength: nil).ids
                == reference.encode("hello<|endoftext|> world", addSpecialTokens: false, maxLength: nil).ids)
    }

    /// tokenizer.json wins over the vocabulary files when both are there.
    @Test func tokenizerJSONIsPreferred() throws {
        let dir = TemporaryDirectory()
        dir.copy(["tokenizer.json", "vocab.txt"], from: Fixtures.tinyBert)
        dir.write("only-this\n", to: "vocab.txt")
        let tokenizer = try TokenizerLoader.load(directory: dir.path)
        #expect(tokenizer.vocabularySize == 200)
    }

    /// tokenizer_config.json `do_lower_case: false` keeps the case (bert-base-cased style).
    @Test func vocabTxtFollowsDoLowerCase() throws {
        let dir = TemporaryDirectory()
        dir.write(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "Hello", "##lo", "Hel", "é", "e"].joined(separator: "\n") + "\n",
                  to: "vocab.txt")
        let uncased = try TokenizerLoader.load(directory: dir.path)
        #expect(uncased.encode("Hello hello é", addSpecialTokens: false, maxLength: nil).ids == [5, 5, 10])
        dir.write(#"{"do_lower_case": false, "unk_token": "[UNK]"}"#, to: "tokenizer_config.json")
        let cased = try TokenizerLoader.load(directory: dir.path)
        #expect(cased.encode("Hello hello é", addSpecialTokens: false, maxLength: nil).ids == [6, 5, 9])
        #expect(cased.encode("Hello", addSpecialTokens: true, maxLength: nil).ids == [2, 6, 3])
    }
}
