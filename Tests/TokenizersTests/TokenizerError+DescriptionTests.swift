import Testing
@testable import Tokenizers

/// Messages read `<where>: <what happened>; <what to do>` (DESIGN §8).
@Suite struct TokenizerErrorDescriptionTests {
    @Test func descriptions() {
        #expect(TokenizerError.missingFiles(directory: "/m", lookedFor: TokenizerLoader.lookedFor).description
                == "/m: no tokenizer files (looked for tokenizer.json, vocab.txt, vocab.json + merges.txt); "
                + "copy the model's tokenizer files next to its weights")
        #expect(TokenizerError.incompleteFiles(directory: "/m", found: "vocab.json", missing: "merges.txt").description
                == "/m: vocab.json without merges.txt; add merges.txt, or tokenizer.json")
        #expect(TokenizerError.malformedJSON(path: "/m/tokenizer.json").description
                == "/m/tokenizer.json: not a UTF-8 JSON object; re-download the file")
        #expect(TokenizerError.unsupportedType(path: "/m/tokenizer.json", field: "model.type", type: "Unigram",
                                               supported: ["WordPiece", "BPE"]).description
                == "/m/tokenizer.json: model.type \"Unigram\" is not supported (Pare reads WordPiece, BPE); "
                + "use a BERT WordPiece, a byte-level BPE (GPT-2, Llama 3, Qwen2) or a SentencePiece tokenizer (T5, Llama 2, Mistral)")
        #expect(TokenizerError.unsupportedSetting(path: "/t.json", field: "model.dropout", value: "0.1", supported: "null").description
                == "/t.json: model.dropout = 0.1 is not supported (Pare reads null); use a tokenizer without this setting")
        #expect(TokenizerError.unknownToken(path: "/t.json", field: "model.unk_token", token: "[UNK]").description
                == "/t.json: model.unk_token names \"[UNK]\", which is not in the vocabulary; re-download the file or fix the field")
        #expect(TokenizerError.malformedLine(path: "/m/merges.txt", line: 3, expected: "two tokens separated by one space").description
                == "/m/merges.txt:3: expected two tokens separated by one space; re-download the file")
        #expect(TokenizerError.idOutOfRange(id: 40000, vocabularySize: 30522).description
                == "decode: id 40000 is not in the vocabulary (ids 0..<30522); decode only ids this tokenizer produced")
        #expect(TokenizerError.invalidField(path: "/t.json", field: "model.vocab", expected: "an object of token → id").description
                == "/t.json: model.vocab must be an object of token → id; re-download the file or fix the field")
        #expect(TokenizerError.unreadableFile(path: "/t.json").description
                == "/t.json: cannot be read; check that the file exists and is readable")
    }
}
