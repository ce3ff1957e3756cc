import CZstd
import Testing
import Foundation
@testable import Tokenizers

/// The SentencePiece fixtures of scripts/fixtures/generate_sentencepiece.py (tokenizers 0.22.2,
/// transformers 4.57.6, mistral-common 1.13.1) under `tokenizer/sentencepiece/`, and their oracle:
/// the `tokenizers` library's ids and decodes on three corpora.
enum SentencePieceFixtures {
    static let directory = Fixtures.root + "/tokenizer/sentencepiece"
    static let mistral = ["mistral-v1", "mistral-v1-legacy", "mistral-v3", "mistral-v3-legacy"]
    static let trained = ["sp-unigram", "sp-bpe", "sp-bpe-bytes"]
    static let all = mistral + trained

    /// `default`: examples/calibration/default.txt, one sample per line; `edge`: tokenizer/corpus.json;
    /// `hard`: sentencepiece/hard-corpus.json.
    static let corpora: [String: [String]] = {
        let calibration = try! String(contentsOfFile: Fixtures.tests.deletingLastPathComponent().path + "/examples/calibration/default.txt",
                                      encoding: .utf8)
        let hard = try! JSONDecoder().decode([String].self, from: Data(contentsOf: URL(fileURLWithPath: directory + "/hard-corpus.json")))
        return ["default": calibration.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init),
                "edge": Fixtures.corpus, "hard": hard]
    }()

    /// One corpus of `<name>-ids.json.zst`.
    struct Golden: Decodable {
        /// add_special_tokens=True
        let ids: [[Int]]
        /// add_special_tokens=False
        let ids_plain: [[Int]]
        /// decode(ids, skip_special_tokens=False)
        let decoded: [String]
        /// decode(ids, skip_special_tokens=True)
        let decoded_skip: [String]
    }

    struct Oracle: Decodable {
        let tokenizer: String
        let corpora: [String: Golden]
    }

    static func oracle(_ name: String) throws -> Oracle {
        try JSONDecoder().decode(Oracle.self, from: Data(try compressedFile("\(name)-ids.json.zst")))
    }

    /// The decompressed bytes of a `.zst` file of this directory.
    static func compressedFile(_ name: String) throws -> [UInt8] {
        try decompress(Array(Data(contentsOf: URL(fileURLWithPath: directory + "/" + name))))
    }

    /// Each fixture loaded once (a Mistral vocabulary takes a while in debug builds).
    private static let cache = TokenizerCache()

    /// The tokenizer of fixture `name`; a `tokenizer.json.zst` is decompressed into a temporary
    /// directory beside a copy of the other files first.
    static func tokenizer(_ name: String) throws -> any Tokenizer {
        try cache.tokenizer(name) { () throws -> any Tokenizer in
            let source = directory + "/" + name
            let compressed = source + "/tokenizer.json.zst"
            guard FileManager.default.fileExists(atPath: compressed) else { return try TokenizerLoader.load(directory: source) }
            let temporary = TemporaryDirectory()
            let others = try FileManager.default.contentsOfDirectory(atPath: source).filter { $0 != "tokenizer.json.zst" }
            temporary.copy(others, from: source)
            let json = try compressedFile(name + "/tokenizer.json.zst")
            temporary.write(json, to: "tokenizer.json")
            return try TokenizerLoader.load(directory: temporary.path)
        }
    }

    /// A zstd frame that records its content size.
    static func decompress(_ frame: [UInt8]) throws -> [UInt8] {
        struct Failure: Error { let reason: String }
        let size = ZSTD_getFrameContentSize(frame, frame.count)
        guard size < UInt64.max - 1 else { throw Failure(reason: "no content size in the frame header") }
        var out = [UInt8](repeating: 0, count: Int(size))
        let status = out.withUnsafeMutableBytes { ZSTD_decompress($0.baseAddress, $0.count, frame, frame.count) }
        guard ZSTD_isError(status) == 0, status == Int(size) else { throw Failure(reason: "zstd: cannot decompress") }
        return out
    }
}

/// Tokenizers by fixture name, made on first use.
private final class TokenizerCache: @unchecked Sendable {
    private let lock = NSLock()
    private var tokenizers: [String: any Tokenizer] = [:]

    func tokenizer(_ name: String, _ make: () throws -> any Tokenizer) throws -> any Tokenizer {
        lock.lock()
        defer { lock.unlock() }
        if let cached = tokenizers[name] { return cached }
        let made = try make()
        tokenizers[name] = made
        return made
    }
}

/// Expects `tokenizer` to give `golden`'s ids (with and without specials) for every text, and its
/// decodes (keeping and skipping specials) for every id list; records the first mismatches.
func expectGolden(_ tokenizer: any Tokenizer, _ golden: SentencePieceFixtures.Golden, texts: [String], _ label: String,
                  sourceLocation: SourceLocation = #_sourceLocation) throws {
    try #require(texts.count == golden.ids.count, "\(label): corpus and oracle sizes differ", sourceLocation: sourceLocation)
    var mismatches: [String] = []
    for (i, text) in texts.enumerated() {
        let ids = tokenizer.encode(text, addSpecialTokens: true, maxLength: nil).ids
        let plain = tokenizer.encode(text, addSpecialTokens: false, maxLength: nil).ids
        if ids != golden.ids[i] { mismatches.append("\(text.debugDescription)\n  got  \(ids)\n  want \(golden.ids[i])") }
        if plain != golden.ids_plain[i] { mismatches.append("\(text.debugDescription) (no specials)\n  got  \(plain)\n  want \(golden.ids_plain[i])") }
        let kept = try tokenizer.decode(golden.ids[i], skipSpecialTokens: false)
        let skipped = try tokenizer.decode(golden.ids[i], skipSpecialTokens: true)
        if kept != golden.decoded[i] {
            mismatches.append("decode \(golden.ids[i])\n  got  \(kept.debugDescription)\n  want \(golden.decoded[i].debugDescription)")
        }
        if skipped != golden.decoded_skip[i] {
            mismatches.append("decode \(golden.ids[i]) skipping specials\n  got  \(skipped.debugDescription)\n  want \(golden.decoded_skip[i].debugDescription)")
        }
    }
    let report = "\(label): \(mismatches.count) mismatches of \(4 * texts.count); first:\n" + mismatches.prefix(4).joined(separator: "\n")
    #expect(mismatches.isEmpty, Comment(rawValue: report), sourceLocation: sourceLocation)
}
