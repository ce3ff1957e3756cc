import Foundation
import Testing
@testable import Tokenizers

/// Oracle: the `tokenizers` library (scripts/fixtures/generate_sentencepiece.py), exact, on every
/// string of three corpora (the calibration corpus, the edge-case corpus, the hard corpus) for
/// Mistral v1 and v3 converted by transformers (legacy and not), a Unigram tokenizer trained by
/// `SentencePieceUnigramTokenizer` (Nmt, NFKC, Replace), a BPE trained by `SentencePieceBPETokenizer`
/// (NFKC, Lowercase; no byte fallback), and the same BPE with byte pieces in Mistral's legacy layout.
@Suite struct SentencePieceTokenizerTests {
    @Test(arguments: SentencePieceFixtures.all)
    func idsEqualTheTokenizersLibraryOnEveryCorpus(name: String) throws {
        let tokenizer = try SentencePieceFixtures.tokenizer(name)
        let oracle = try SentencePieceFixtures.oracle(name)
        #expect(oracle.corpora.keys.sorted() == ["default", "edge", "hard"])
        for (corpus, golden) in oracle.corpora.sorted(by: { $0.key < $1.key }) {
            let texts = try #require(SentencePieceFixtures.corpora[corpus])
            try #require(texts.count == golden.ids.count, "\(name) \(corpus): corpus and oracle sizes differ")
            var mismatches: [String] = []
            for (i, text) in texts.enumerated() {
                let ids = tokenizer.encode(text, addSpecialTokens: true, maxLength: nil).ids
                let plain = tokenizer.encode(text, addSpecialTokens: false, maxLength: nil).ids
                if ids != golden.ids[i] { mismatches.append("\(text.debugDescription)\n  got  \(ids)\n  want \(golden.ids[i])") }
                if plain != golden.ids_plain[i] {
                    mismatches.append("\(text.debugDescription) (no specials)\n  got  \(plain)\n  want \(golden.ids_plain[i])")
                }
            }
            let report = "\(name) \(corpus): \(mismatches.count) mismatches of \(2 * texts.count); first:\n"
                + mismatches.prefix(4).joined(separator: "\n")
            #expect(mismatches.isEmpty, Comment(rawValue: report))
        }
    }

    @Test(arguments: SentencePieceFixtures.all)
    func decodesEqualTheTokenizersLibraryOnEveryCorpus(name: String) throws {
        let tokenizer = try SentencePieceFixtures.tokenizer(name)
        let oracle = try SentencePieceFixtures.oracle(name)
        for (corpus, golden) in oracle.corpora.sorted(by: { $0.key < $1.key }) {
            var mismatches: [String] = []
            for (i, ids) in golden.ids.enumerated() {
                let kept = try tokenizer.decode(ids, skipSpecialTokens: false)
                let skipped = try tokenizer.decode(ids, skipSpecialTokens: true)
                if kept != golden.decoded[i] { mismatches.append("\(ids)\n  got  \(kept.debugDescription)\n  want \(golden.decoded[i].debugDescription)") }
                if skipped != golden.decoded_skip[i] {
                    mismatches.append("\(ids) (skipping specials)\n  got  \(skipped.debugDescription)\n  want \(golden.decoded_skip[i].debugDescription)")
                }
            }
            let report = "\(name) \(corpus): \(mismatches.count) mismatches of \(2 * golden.ids.count); first:\n"
                + mismatches.prefix(4).joined(separator: "\n")
            #expect(mismatches.isEmpty, Comment(rawValue: report))
        }
    }

    /// Foundation's JSONSerialization drops a JSON string's leading U+FEFF; the loader restores the
    /// Mistral piece "\u{FEFF}" (`restoringLeadingBOM`), so a BOM is one piece, not three bytes.
    @Test func theByteOrderMarkPieceSurvivesTheJSONParser() throws {
        let tokenizer = try SentencePieceFixtures.tokenizer("mistral-v1")
        #expect(tokenizer.id(of: "\u{FEFF}") == 31759)
        #expect(tokenizer.id(of: "") == nil)
        #expect(tokenizer.encode("\u{FEFF}bom", addSpecialTokens: false, maxLength: nil).ids == [28705, 31759, 28726, 300])
        #expect(TokenizerLoader.fileHasStringStartingWithBOM(Array(#"{"\uFEFF": 1}"#.utf8)))
        #expect(TokenizerLoader.fileHasStringStartingWithBOM(Array("{\"\u{FEFF}\": 1}".utf8)))
        #expect(!TokenizerLoader.fileHasStringStartingWithBOM(Array("{\"a\u{FEFF}\": 1, \"\\ufefe\": 2}".utf8)))
    }

    @Test(arguments: SentencePieceFixtures.mistral)
    func mistralIsACharacterBPEWithByteFallbackAndSpecials(name: String) throws {
        let tokenizer = try SentencePieceFixtures.tokenizer(name)
        let bpe = try #require(tokenizer as? SentencePieceBPETokenizer)
        #expect((bpe.metaspace == nil) == name.hasSuffix("-legacy"))
        #expect(tokenizer.specialTokens == SpecialTokens(unk: 0, bos: 1, eos: 2))
        #expect(tokenizer.vocabularySize == (name.hasPrefix("mistral-v1") ? 32000 : 32768))
        // 𪚥 is no piece: its four UTF-8 bytes become <0xF0> <0xAA> <0x9A> <0xA5>, and decode back.
        let ids = tokenizer.encode("𪚥", addSpecialTokens: false, maxLength: nil).ids
        let bytes = "𪚥".utf8.map { tokenizer.id(of: SentencePieceBPEModel.bytePiece($0)) }
        #expect(Array(ids.suffix(4)) == bytes.compactMap { $0 } && bytes.count == 4)
        #expect(try tokenizer.decode(ids) == "𪚥")
    }

    @Test func mistralV3ControlTokensAreSingleIds() throws {
        let tokenizer = try SentencePieceFixtures.tokenizer("mistral-v3")
        let inst = try #require(tokenizer.id(of: "[INST]")), end = try #require(tokenizer.id(of: "[/INST]"))
        let ids = tokenizer.encode("[INST] Hi [/INST]", addSpecialTokens: true, maxLength: nil).ids
        #expect(ids.first == 1 && ids[1] == inst && ids.last == end)
        #expect(try tokenizer.decode(ids, skipSpecialTokens: true) == "Hi ")  // the library's: " Hi " is ▁Hi▁, one space stripped
    }

    @Test func byteFallbackDecoderJoinsBytesOrGivesOneReplacementPerByte() {
        let decoder = TokenDecoder.sequence([.byteFallback])
        #expect(decoder.chain(["<0xE5>", "<0x8F>", "<0xAB>", "a"]) == ["叫", "a"])
        #expect(decoder.chain(["<0xE5>", "<0x8f>", "a"]) == ["\u{FFFD}", "\u{FFFD}", "a"])
        #expect(decoder.chain(["<0x61>", "<0xZZ>", "<0x6>"]) == ["a", "<0xZZ>", "<0x6>"])
    }

    @Test func stripRemovesUpToItsCountsFromEachToken() {
        #expect(TokenDecoder.strip(content: "H", start: 1, stop: 0).chain(["Hey", " friend!", "HHH"]) == ["ey", " friend!", "HH"])
        #expect(TokenDecoder.strip(content: "y", start: 0, stop: 1).chain(["Hey", " friend!"]) == ["He", " friend!"])
        #expect(TokenDecoder.strip(content: " ", start: 2, stop: 2).chain([" ", "    "]) == ["", ""])
    }

    @Test func nmtRemovesControlsAndSpacesOutOddWhitespace() {
        let text = Array("a\u{1}b\tc\u{200B}d\u{2581}e\u{7F}\u{FEFF}".unicodeScalars)
        #expect(String(String.UnicodeScalarView(NmtNormalizer().normalize(text, text.indices))) == "ab c d e ")
    }

    @Test func lowercaseMapsScalarByScalar() {
        let text = Array("İSTANBUL ΣΟΦΟΣ Straße".unicodeScalars)
        #expect(String(String.UnicodeScalarView(LowercaseNormalizer().normalize(text, text.indices))) == "i̇stanbul σοφοσ straße")
    }
}

/// The earlier tokenizer fixtures (WordPiece, byte-level BPE, Unigram) on the calibration and hard
/// corpora; oracle: the `tokenizers` library (existing-ids.json.zst, exact).
@Suite struct ExistingTokenizersOnSentencePieceCorporaTests {
    static let fixtures = ["tiny-bert": Fixtures.tinyBert, "tiny-gpt2": Fixtures.tinyGPT2, "tiny-llama": Fixtures.root + "/tiny-llama",
                           "tiny-qwen2": Fixtures.root + "/tiny-qwen2", "t5-unigram": Fixtures.root + "/tokenizer/t5-unigram",
                           "t5-unigram-bytes": Fixtures.root + "/tokenizer/t5-unigram-bytes", "t5-spm": Fixtures.root + "/tokenizer/t5-spm"]

    static let oracle: [String: [String: SentencePieceFixtures.Golden]] = {
        let frame = try! Array(Data(contentsOf: URL(fileURLWithPath: SentencePieceFixtures.directory + "/existing-ids.json.zst")))
        return try! JSONDecoder().decode([String: [String: SentencePieceFixtures.Golden]].self,
                                         from: Data(SentencePieceFixtures.decompress(frame)))
    }()

    @Test(arguments: fixtures.keys.sorted())
    func idsAndDecodesEqualTheTokenizersLibrary(name: String) throws {
        let tokenizer = try TokenizerLoader.load(directory: try #require(Self.fixtures[name]))
        let goldens = try #require(Self.oracle[name])
        #expect(goldens.keys.sorted() == ["default", "hard"])
        for (corpus, golden) in goldens.sorted(by: { $0.key < $1.key }) {
            let texts = try #require(SentencePieceFixtures.corpora[corpus])
            try #require(texts.count == golden.ids.count)
            var mismatches: [String] = []
            for (i, text) in texts.enumerated() {
                let ids = tokenizer.encode(text, addSpecialTokens: true, maxLength: nil).ids
                let plain = tokenizer.encode(text, addSpecialTokens: false, maxLength: nil).ids
                if ids != golden.ids[i] { mismatches.append("\(text.debugDescription)\n  got  \(ids)\n  want \(golden.ids[i])") }
                if plain != golden.ids_plain[i] { mismatches.append("\(text.debugDescription) (no specials)\n  got  \(plain)\n  want \(golden.ids_plain[i])") }
                let kept = try tokenizer.decode(golden.ids[i], skipSpecialTokens: false)
                let skipped = try tokenizer.decode(golden.ids[i], skipSpecialTokens: true)
                if kept != golden.decoded[i] { mismatches.append("decode \(golden.ids[i])\n  got  \(kept.debugDescription)\n  want \(golden.decoded[i].debugDescription)") }
                if skipped != golden.decoded_skip[i] {
                    mismatches.append("decode \(golden.ids[i]) skipping specials\n  got  \(skipped.debugDescription)\n  want \(golden.decoded_skip[i].debugDescription)")
                }
            }
            let report = "\(name) \(corpus): \(mismatches.count) mismatches of \(4 * texts.count); first:\n" + mismatches.prefix(4).joined(separator: "\n")
            #expect(mismatches.isEmpty, Comment(rawValue: report))
        }
    }
}
