import Testing
@testable import Tokenizers

/// Decoding. Oracles: HF tokenizers 0.22.2 `decode(ids, skip_special_tokens=False)` outputs,
/// copied here; for GPT-2, the text itself (byte-level BPE is lossless).
@Suite struct TokenizerDecodeTests {
    @Test func tinyGPT2RoundTripsEveryCorpusString() throws {
        let tokenizer = try Fixtures.tinyGPT2Tokenizer.get()
        var failures: [String] = []
        for text in Fixtures.corpus {
            let decoded = try tokenizer.decode(tokenizer.encode(text, addSpecialTokens: false, maxLength: nil).ids)
            if decoded != text { failures.append("\(text.debugDescription) → \(decoded.debugDescription)") }
        }
        #expect(failures.isEmpty, "\(failures.count) strings do not round-trip: \(failures.prefix(5))")
    }

    @Test func byteLevelDecodesSpecialsAndRepairsBrokenUTF8() throws {
        let tokenizer = try Fixtures.tinyGPT2Tokenizer.get()
        #expect(try tokenizer.decode([258, 76, 76, 79, 0, 263, 272, 76, 68]) == "hello<|endoftext|> world")
        #expect(try tokenizer.decode([128, 103]) == "é")
        #expect(try tokenizer.decode([128]) == "\u{FFFD}")  // half of é
        #expect(try tokenizer.decode([]) == "")
    }

    @Test func wordPieceJoinsPiecesAndCleansUpLikeHF() throws {
        let tokenizer = try Fixtures.tinyBertTokenizer.get()
        let ids = [2, 69, 165, 51, 143, 156, 98, 55, 20, 56, 65, 24, 194, 152, 29, 93, 69, 26, 43, 67, 66, 132, 49, 8, 3]
        #expect(try tokenizer.decode(ids) == "[CLS] the quick brown fox jumps over the lazy dog. [SEP]")
        #expect(try tokenizer.decode(Array(ids.dropFirst().dropLast())) == "the quick brown fox jumps over the lazy dog.")
    }

    @Test(.enabled(if: Fixtures.miniLMAvailable, "examples/models/all-MiniLM-L6-v2 not downloaded"))
    func miniLMDecodesLikeHF() throws {
        let tokenizer = try Fixtures.miniLMTokenizer.get()
        // Cleanup works token by token, so "don ' t" keeps its spaces, but "a ." loses one.
        #expect(try tokenizer.decode([101, 7592, 1010, 2088, 999, 1045, 2123, 1005, 1056, 2113, 1012, 2009, 1005, 1055,
                                      1037, 3231, 1012, 102])
                == "[CLS] hello, world! i don ' t know. it ' s a test. [SEP]")
        #expect(try tokenizer.decode([101, 4895, 8671, 2666, 3567, 6321, 19204, 3989, 102])
                == "[CLS] unbelievably tokenization [SEP]")
        #expect(try tokenizer.decode([2054, 2079, 2025, 2057, 1029]) == "what do not we?")
    }

    @Test func decodeOfAnIdOutsideTheVocabularyThrows() throws {
        let bert = try Fixtures.tinyBertTokenizer.get()
        #expect(throws: TokenizerError.idOutOfRange(id: 200, vocabularySize: 200)) { try bert.decode([2, 200, 3]) }
        #expect(throws: TokenizerError.idOutOfRange(id: -1, vocabularySize: 200)) { try bert.decode([-1]) }
        let gpt2 = try Fixtures.tinyGPT2Tokenizer.get()
        #expect(throws: TokenizerError.idOutOfRange(id: 300, vocabularySize: 300)) { try gpt2.decode([300]) }
    }
}
