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
    func idsAndDecodesEqualTheTokenizersLibraryOnEveryCorpus(name: String) throws {
        let tokenizer = try SentencePieceFixtures.tokenizer(name)
        let oracle = try SentencePieceFixtures.oracle(name)
        #expect(oracle.corpora.keys.sorted() == ["default", "edge", "hard"])
        for (corpus, golden) in oracle.corpora.sorted(by: { $0.key < $1.key }) {
            try expectGolden(tokenizer, golden, texts: try #require(SentencePieceFixtures.corpora[corpus]), "\(name) \(corpus)")
        }
    }

    /// The Mistral piece "\u{FEFF}" keeps its U+FEFF through the JSON parser (Foundation's
    /// JSONSerialization dropped a string's leading U+FEFF), so a BOM is one piece, not three bytes.
    @Test func theByteOrderMarkPieceSurvivesTheJSONParser() throws {
        let tokenizer = try SentencePieceFixtures.tokenizer("mistral-v1")
        #expect(tokenizer.id(of: "\u{FEFF}") == 31759)
        #expect(tokenizer.id(of: "") == nil)
        #expect(tokenizer.encode("\u{FEFF}bom", addSpecialTokens: false, maxLength: nil).ids == [28705, 31759, 28726, 300])
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
        try! JSONDecoder().decode([String: [String: SentencePieceFixtures.Golden]].self,
                                  from: Data(SentencePieceFixtures.compressedFile("existing-ids.json.zst")))
    }()

    @Test(arguments: fixtures.keys.sorted())
    func idsAndDecodesEqualTheTokenizersLibrary(name: String) throws {
        let tokenizer = try TokenizerLoader.load(directory: try #require(Self.fixtures[name]))
        let goldens = try #require(Self.oracle[name])
        #expect(goldens.keys.sorted() == ["default", "hard"])
        for (corpus, golden) in goldens.sorted(by: { $0.key < $1.key }) {
            try expectGolden(tokenizer, golden, texts: try #require(SentencePieceFixtures.corpora[corpus]), "\(name) \(corpus)")
        }
    }
}

/// transformers' default conversion of Mistral v1 (no add_prefix_space): Metaspace with
/// `prepend_scheme` never, or a legacy normalizer without Prepend, and no Strip decoder. Oracle:
/// the `tokenizers` library on those files (unprefixed-ids.json.zst), whose model is mistral-v1's.
@Suite struct UnprefixedMistralTests {
    struct Variant: Decodable {
        let corpora: [String: SentencePieceFixtures.Golden]
    }

    /// unprefixed-ids.json.zst, decompressed.
    static let json = Data(try! SentencePieceFixtures.compressedFile("unprefixed-ids.json.zst"))

    /// mistral-v1's tokenizer.json with the variant's normalizer, pre-tokenizer, post-processor
    /// and decoder: those keys written anew before the original text of `"model": …` (which is
    /// last in the file and keeps its bytes: a JSONSerialization round trip would lose the piece U+FEFF).
    static func tokenizer(_ variant: String) throws -> any Tokenizer {
        let variants = try JSONSerialization.jsonObject(with: json) as! [String: [String: Any]]
        let fields = try #require(variants[variant])
        let original = try SentencePieceFixtures.compressedFile("mistral-v1/tokenizer.json.zst")
        let marker = Array("\n  \"model\": ".utf8)
        let start = try #require((0...(original.count - marker.count)).first { original[$0..<($0 + marker.count)].elementsEqual(marker) })
        let spec = try JSONSerialization.jsonObject(with: Data(original)) as! [String: Any]
        var head: [String: Any] = ["version": "1.0", "added_tokens": spec["added_tokens"]!]
        for key in ["normalizer", "pre_tokenizer", "post_processor", "decoder"] { head[key] = fields[key] ?? NSNull() }
        var text = Array(try JSONSerialization.data(withJSONObject: head, options: [.sortedKeys]))
        text.removeLast()  // "}"
        text += Array(",".utf8) + original[(start + 1)...]
        let dir = TemporaryDirectory()
        dir.write(text, to: "tokenizer.json")
        return try TokenizerLoader.load(directory: dir.path)
    }

    @Test(arguments: ["non-legacy", "legacy"])
    func idsAndDecodesEqualTheTokenizersLibrary(variant: String) throws {
        let tokenizer = try Self.tokenizer(variant)
        #expect((tokenizer as? SentencePieceBPETokenizer)?.metaspace?.prependScheme == (variant == "legacy" ? nil : .never))
        let goldens = try #require(try JSONDecoder().decode([String: Variant].self, from: Self.json)[variant]).corpora
        #expect(goldens.keys.sorted() == ["edge", "hard"])
        for (corpus, golden) in goldens.sorted(by: { $0.key < $1.key }) {
            try expectGolden(tokenizer, golden, texts: try #require(SentencePieceFixtures.corpora[corpus]), "\(variant) \(corpus)")
        }
    }
}
