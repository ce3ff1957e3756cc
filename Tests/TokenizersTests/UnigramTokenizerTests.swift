import Foundation
import Testing
@testable import Tokenizers

/// Oracle: the `tokenizers` library (scripts/fixtures/generate_t5.py) on the shared corpus of 351
/// strings, with a Unigram model it trained in T5's layout (NFKC + Replace, Metaspace, `</s>`
/// appended), the same pieces with byte fallback, and a real T5 tokenizer.json (`t5-spm`:
/// trained by sentencepiece with nmt_nfkc, converted by transformers: a Precompiled charsmap).
@Suite struct UnigramTokenizerTests {
    struct Oracle: Decodable {
        let ids: [[Int]]
        let decoded: [String]
    }

    static func load(_ name: String) throws -> (any Tokenizer, Oracle) {
        let tokenizer = try TokenizerLoader.load(directory: Fixtures.root + "/tokenizer/" + name)
        let oracle = try JSONDecoder().decode(Oracle.self, from: Data(contentsOf: URL(fileURLWithPath: Fixtures.root + "/tokenizer/\(name)-ids.json")))
        return (tokenizer, oracle)
    }

    @Test(arguments: ["t5-unigram", "t5-unigram-bytes", "t5-spm"])
    func idsEqualTheTokenizersLibraryOnTheCorpus(name: String) throws {
        let (tokenizer, oracle) = try Self.load(name)
        #expect(tokenizer is UnigramTokenizer)
        #expect(Fixtures.corpus.count >= 300)
        #expect(expectCorpusIds(tokenizer, oracle.ids, addSpecialTokens: true, name) == oracle.ids.count)
        // Every sample ends with </s> (id 1).
        #expect(oracle.ids.allSatisfy { $0.last == 1 })
    }

    /// Without byte fallback, runs of characters no piece covers fuse into one <unk> (id 2); with
    /// it, they become their UTF-8 bytes' <0xXX> pieces and nothing is unknown.
    @Test func unknownCharactersFuseOrFallBackToBytes() throws {
        let (plain, _) = try Self.load("t5-unigram"), (bytes, _) = try Self.load("t5-unigram-bytes")
        let text = "日本語"
        let fused = plain.encode(text, addSpecialTokens: false, maxLength: nil).ids
        #expect(fused.filter { $0 == 2 }.count == 1)
        let fallback = bytes.encode(text, addSpecialTokens: false, maxLength: nil).ids
        let byteIds = text.utf8.map { bytes.id(of: "<0x" + String($0, radix: 16, uppercase: true) + ">") }
        #expect(fallback == [try #require(bytes.id(of: "▁"))] + byteIds.compactMap { $0 } && byteIds.count == 9)
    }

    @Test func decodingJoinsPiecesAndRestoresSpaces() throws {
        let (tokenizer, oracle) = try Self.load("t5-unigram")
        var matched = 0
        for (ids, want) in zip(oracle.ids, oracle.decoded) {
            let text = try tokenizer.decode(ids.filter { $0 > 2 })
            if text == want { matched += 1 }
        }
        // Decoding skips specials; unknown runs decode as <unk> in both, so all must agree.
        #expect(matched == oracle.ids.count, "\(matched)/\(oracle.ids.count) decoded strings match")
    }
}
