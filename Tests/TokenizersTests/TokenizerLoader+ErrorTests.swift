import Foundation
import Testing
@testable import Tokenizers

/// Directories and files the loader must refuse, with the exact error.
@Suite struct TokenizerLoaderErrorTests {
    @Test func anEmptyDirectoryNamesTheFilesLookedFor() {
        let dir = TemporaryDirectory()
        #expect(throws: TokenizerError.missingFiles(directory: dir.path,
                                                    lookedFor: ["tokenizer.json", "vocab.txt", "vocab.json + merges.txt"])) {
            try TokenizerLoader.load(directory: dir.path)
        }
        #expect(throws: TokenizerError.missingFiles(directory: dir.path + "/nope", lookedFor: TokenizerLoader.lookedFor)) {
            try TokenizerLoader.load(directory: dir.path + "/nope")
        }
    }

    @Test func halfOfAVocabularyPair() {
        let dir = TemporaryDirectory()
        dir.copy(["vocab.json"], from: Fixtures.tinyGPT2)
        #expect(throws: TokenizerError.incompleteFiles(directory: dir.path, found: "vocab.json", missing: "merges.txt")) {
            try TokenizerLoader.load(directory: dir.path)
        }
        let other = TemporaryDirectory()
        other.copy(["merges.txt"], from: Fixtures.tinyGPT2)
        #expect(throws: TokenizerError.incompleteFiles(directory: other.path, found: "merges.txt", missing: "vocab.json")) {
            try TokenizerLoader.load(directory: other.path)
        }
    }

    @Test func malformedTokenizerJSON() {
        let dir = TemporaryDirectory()
        for text in [#"{"model": "#, "[1, 2]", "", "\u{FF}"] {
            dir.write(text, to: "tokenizer.json")
            #expect(throws: TokenizerError.malformedJSON(path: dir.file("tokenizer.json"))) {
                try TokenizerLoader.load(directory: dir.path)
            }
        }
    }

    @Test func unsupportedModelType() {
        let dir = TemporaryDirectory()
        var json = tokenizerJSON(Fixtures.tinyBert)
        json["model"] = ["type": "WordLevel", "vocab": ["a": 0]]
        dir.writeJSON(json, to: "tokenizer.json")
        #expect(throws: TokenizerError.unsupportedType(path: dir.file("tokenizer.json"), field: "model.type",
                                                       type: "WordLevel", supported: ["WordPiece", "BPE", "Unigram"])) {
            try TokenizerLoader.load(directory: dir.path)
        }
    }

    @Test func unsupportedNormalizerPreTokenizerPostProcessorAndDecoder() {
        let dir = TemporaryDirectory()
        let path = dir.file("tokenizer.json")
        func expectRefused(_ key: String, _ value: Any, _ error: TokenizerError, from fixture: String = Fixtures.tinyBert) {
            var json = tokenizerJSON(fixture)
            json[key] = value
            dir.writeJSON(json, to: "tokenizer.json")
            #expect(throws: error) { try TokenizerLoader.load(directory: dir.path) }
        }
        expectRefused("normalizer", ["type": "NFD"],
                      .unsupportedType(path: path, field: "normalizer.type", type: "NFD",
                                       supported: ["BertNormalizer", "NFC", "NFKC", "Precompiled", "Strip", "Replace", "Prepend", "Nmt",
                                                   "Lowercase", "Sequence", "null"]))
        expectRefused("normalizer", ["type": "Precompiled", "precompiled_charsmap": "AAAA"],
                      .invalidField(path: path, field: "normalizer.precompiled_charsmap",
                                    expected: "a base64 SentencePiece charsmap (trie size, double-array trie, replacements)"))
        expectRefused("pre_tokenizer", ["type": "Whitespace"],
                      .unsupportedType(path: path, field: "pre_tokenizer.type", type: "Whitespace",
                                       supported: ["BertPreTokenizer (with a WordPiece model)"]))
        expectRefused("pre_tokenizer", NSNull(),
                      .unsupportedType(path: path, field: "pre_tokenizer.type", type: "null",
                                       supported: ["BertPreTokenizer (with a WordPiece model)"]))
        expectRefused("pre_tokenizer", ["type": "BertPreTokenizer"],
                      .unsupportedType(path: path, field: "pre_tokenizer.type", type: "BertPreTokenizer",
                                       supported: ["ByteLevel (with a BPE model)", "Sequence of Split (Isolated) and ByteLevel",
                                                   "Metaspace or null (with a SentencePiece BPE model)"]), from: Fixtures.tinyGPT2)
        expectRefused("post_processor", ["type": "Sequence", "processors": [["type": "ByteLevel"], ["type": "Unknown"]]],
                      .unsupportedType(path: path, field: "post_processor.processors[1].type", type: "Unknown",
                                       supported: ["TemplateProcessing", "BertProcessing", "RobertaProcessing", "ByteLevel", "Sequence", "null"]))
        expectRefused("decoder", ["type": "CTC"],
                      .unsupportedType(path: path, field: "decoder.type", type: "CTC",
                                       supported: ["WordPiece", "ByteLevel", "Metaspace", "Sequence", "Replace", "ByteFallback", "Fuse", "Strip", "null"]))
        // A Unigram model reads only the Metaspace pre-tokenizer.
        var unigram = tokenizerJSON(Fixtures.root + "/tokenizer/t5-unigram")
        unigram["pre_tokenizer"] = ["type": "Whitespace"]
        dir.writeJSON(unigram, to: "tokenizer.json")
        #expect(throws: TokenizerError.unsupportedType(path: path, field: "pre_tokenizer.type", type: "Whitespace",
                                                       supported: ["Metaspace (with a Unigram model)"])) { try TokenizerLoader.load(directory: dir.path) }
    }

    @Test func settingsThatWouldTokenizeDifferently() {
        let dir = TemporaryDirectory()
        let path = dir.file("tokenizer.json")
        func expectRefused(_ key: String, _ value: Any, _ error: TokenizerError) {
            var json = tokenizerJSON(Fixtures.tinyGPT2)
            var model = json["model"] as! [String: Any]
            model[key] = value
            json["model"] = model
            dir.writeJSON(json, to: "tokenizer.json")
            #expect(throws: error) { try TokenizerLoader.load(directory: dir.path) }
        }
        expectRefused("dropout", 0.1, .unsupportedSetting(path: path, field: "model.dropout", value: "0.1", supported: "null"))
        expectRefused("byte_fallback", true,
                      .unsupportedSetting(path: path, field: "model.byte_fallback", value: "true", supported: "null or false"))
        expectRefused("end_of_word_suffix", "</w>",
                      .unsupportedSetting(path: path, field: "model.end_of_word_suffix", value: "\"</w>\"", supported: "null or \"\""))
        expectRefused("merges", [["Ġ", "zz"]], .unknownToken(path: path, field: "model.merges[0]", token: "zz"))
        expectRefused("merges", [3], .invalidField(path: path, field: "model.merges[0]", expected: "\"left right\" or [left, right]"))
        expectRefused("vocab", ["a": "b"], .invalidField(path: path, field: "model.vocab",
                                                         expected: "an object of token → non-negative integer id"))
        expectRefused("unk_token", "<unk>", .unknownToken(path: path, field: "model.unk_token", token: "<unk>"))
    }

    @Test func wordPieceWithoutItsUnknownToken() {
        let dir = TemporaryDirectory()
        var json = tokenizerJSON(Fixtures.tinyBert)
        var model = json["model"] as! [String: Any]
        model["unk_token"] = "<missing>"
        json["model"] = model
        dir.writeJSON(json, to: "tokenizer.json")
        #expect(throws: TokenizerError.unknownToken(path: dir.file("tokenizer.json"), field: "model.unk_token", token: "<missing>")) {
            try TokenizerLoader.load(directory: dir.path)
        }
        let vocabOnly = TemporaryDirectory()
        vocabOnly.write("[CLS]\n[SEP]\nhello\n", to: "vocab.txt")
        #expect(throws: TokenizerError.unknownToken(path: vocabOnly.file("vocab.txt"), field: "unk_token", token: "[UNK]")) {
            try TokenizerLoader.load(directory: vocabOnly.path)
        }
    }

    @Test func malformedMergesLine() {
        let dir = TemporaryDirectory()
        dir.copy(["vocab.json"], from: Fixtures.tinyGPT2)
        dir.write("#version: 0.2\nĠ t\nh e x\n", to: "merges.txt")
        #expect(throws: TokenizerError.malformedLine(path: dir.file("merges.txt"), line: 3,
                                                     expected: "two tokens separated by one space")) {
            try TokenizerLoader.load(directory: dir.path)
        }
    }
}
