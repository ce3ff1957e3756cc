import Foundation
import Testing
@testable import Tokenizers

/// SentencePiece components the loader must refuse, with the exact error (base: the sp-bpe fixture).
@Suite struct TokenizerLoaderSentencePieceErrorTests {
    let dir = TemporaryDirectory()
    var path: String { dir.file("tokenizer.json") }

    func expectRefused(_ key: String, _ value: Any, _ error: TokenizerError, sourceLocation: SourceLocation = #_sourceLocation) {
        var json = tokenizerJSON(SentencePieceFixtures.directory + "/sp-bpe")
        json[key] = value
        dir.writeJSON(json, to: "tokenizer.json")
        #expect(throws: error, sourceLocation: sourceLocation) { try TokenizerLoader.load(directory: dir.path) }
    }

    @Test func unsupportedDecodersInASequence() {
        expectRefused("decoder", ["type": "Sequence", "decoders": [["type": "ByteFallback"], ["type": "CTC"]]],
                      .unsupportedType(path: path, field: "decoder.decoders[1].type", type: "CTC", supported: TokenizerLoader.decoderTypes))
        expectRefused("decoder", ["type": "Sequence", "decoders": [["type": "WordPiece"]]],
                      .unsupportedType(path: path, field: "decoder.decoders[0].type", type: "WordPiece",
                                       supported: ["ByteLevel (in a Sequence)", "Metaspace (in a Sequence)", "Sequence (in a Sequence)",
                                                   "Replace (in a Sequence)", "ByteFallback (in a Sequence)", "Fuse (in a Sequence)",
                                                   "Strip (in a Sequence)"]))
    }

    @Test func decoderSettingsPareDoesNotRead() {
        expectRefused("decoder", ["type": "Replace", "pattern": ["Regex": "▁+"], "content": " "],
                      .unsupportedSetting(path: path, field: "decoder.pattern", value: "\"▁+\"",
                                          supported: "a {\"String\": …} pattern in a Replace decoder"))
        expectRefused("decoder", ["type": "Strip", "content": "ab", "start": 1, "stop": 0],
                      .invalidField(path: path, field: "decoder.content", expected: "one character"))
        expectRefused("decoder", ["type": "Strip", "content": " ", "start": -1, "stop": 0],
                      .invalidField(path: path, field: "decoder.start", expected: "a non-negative integer"))
    }

    @Test func malformedNormalizersAndPreTokenizer() {
        expectRefused("normalizer", ["type": "Sequence", "normalizers": [["type": "Prepend"]]],
                      .invalidField(path: path, field: "normalizer.normalizers[0].prepend", expected: "a string"))
        expectRefused("pre_tokenizer", ["type": "Metaspace", "replacement": "▁", "prepend_scheme": "sometimes"],
                      .invalidField(path: path, field: "pre_tokenizer.prepend_scheme", expected: "always, first or never"))
    }

    @Test func modelSettingsPareDoesNotRead() {
        var json = tokenizerJSON(SentencePieceFixtures.directory + "/sp-bpe")
        var model = json["model"] as! [String: Any]
        model["unk_token"] = "<oov>"
        json["model"] = model
        dir.writeJSON(json, to: "tokenizer.json")
        #expect(throws: TokenizerError.unknownToken(path: path, field: "model.unk_token", token: "<oov>")) {
            try TokenizerLoader.load(directory: dir.path)
        }
        model["unk_token"] = "<unk>"
        model["dropout"] = 0.1
        json["model"] = model
        dir.writeJSON(json, to: "tokenizer.json")
        #expect(throws: TokenizerError.unsupportedSetting(path: path, field: "model.dropout", value: "0.1", supported: "null")) {
            try TokenizerLoader.load(directory: dir.path)
        }
    }

    @Test func messagesSayWhereWhatAndWhatToDo() {
        let error = TokenizerError.unsupportedType(path: "/m/tokenizer.json", field: "decoder.decoders[1].type", type: "CTC",
                                                   supported: ["Replace", "ByteFallback"])
        #expect(error.description == "/m/tokenizer.json: decoder.decoders[1].type \"CTC\" is not supported (Pare reads Replace, "
            + "ByteFallback); use a BERT WordPiece, a byte-level BPE (GPT-2, Llama 3, Qwen2) or a SentencePiece tokenizer (T5, Llama 2, Mistral)")
    }
}
