import Foundation
import JSON

extension TokenizerLoader {
    /// BERT's tokenizer from a vocab.txt (one token per line, id = line number from 0), set up as
    /// transformers' BertTokenizerFast does: BertNormalizer (lowercase unless tokenizer_config.json
    /// says `do_lower_case: false`), BertPreTokenizer, WordPiece (`##`, 100 scalars per word),
    /// `[CLS] … [SEP]`, and the special tokens matched in the raw text.
    static func load(vocabTxt path: String, config: TokenizerConfig?) throws(TokenizerError) -> WordPieceTokenizer {
        var vocab: [String: Int] = [:]
        for (i, line) in try lines(path).enumerated() { vocab[line] = i }
        let names = TokenizerConfig.names(config, over: SpecialTokens.wordPieceDefaults(unk: "[UNK]"))
        func required(_ role: SpecialRole) throws(TokenizerError) -> (token: String, id: Int) {
            guard let token = names[role] ?? nil else { throw .unknownToken(path: path, field: role.rawValue, token: "null") }
            guard let id = vocab[token] else { throw .unknownToken(path: path, field: role.rawValue, token: token) }
            return (token, id)
        }
        let unk = try required(.unk)
        let cls = try required(.cls)
        let sep = try required(.sep)
        let addedTokens = specialAddedTokens([.unk, .sep, .pad, .cls, .mask], names: names, vocab: vocab)
        let lowercase = config?.doLowerCase ?? true
        let normalizer = BertNormalizer(cleanText: true, handleChineseChars: config?.tokenizeChineseChars ?? true,
                                        stripAccents: (config?.stripAccents ?? nil) ?? lowercase, lowercase: lowercase)
        let vocabulary = Vocabulary(model: vocab, added: addedTokens)
        let pipeline = TokenizerPipeline(
            vocabulary: vocabulary, addedTokens: addedTokens, normalizer: normalizer,
            postProcessor: .wrapping(cls.id, sep.id), decoder: .wordPiece(prefix: "##", cleanup: true),
            specialTokens: SpecialTokens(vocabulary: vocabulary, config: config, defaults: SpecialTokens.wordPieceDefaults(unk: unk.token)))
        let model = WordPieceModel(vocabulary: vocab, unkId: unk.id, continuingSubwordPrefix: "##", maxInputCharsPerWord: 100)
        return WordPieceTokenizer(pipeline: pipeline, model: model)
    }

    /// GPT-2's tokenizer from vocab.json (token → id) and merges.txt (`left right` per line, by
    /// rank, after an optional `#version` line), set up as transformers' GPT2TokenizerFast does:
    /// no normalizer, ByteLevel (`add_prefix_space` from tokenizer_config.json, default false),
    /// BPE without an unknown token, no specials added, `<|endoftext|>` matched in the raw text.
    static func load(vocabJSON: String, merges mergesPath: String, config: TokenizerConfig?)
        throws(TokenizerError) -> ByteLevelBPETokenizer {
        let root = try JSONObject.read(path: vocabJSON)
        var vocab: [String: Int] = [:]
        for (token, value) in root.values {
            guard case let .int(id) = value, id >= 0 else { throw root.invalid(token, "a non-negative integer id") }
            vocab[token] = id
        }
        var merges: [(left: Int, right: Int, merged: Int)] = []
        let expected = "two tokens separated by one space"
        for (i, line) in try lines(mergesPath).enumerated() {
            if (i == 0 && line.hasPrefix("#version")) { continue }
            let parts = line.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw .malformedLine(path: mergesPath, line: i + 1, expected: expected)
            }
            merges.append(try mergeIds(String(parts[0]), String(parts[1]), vocab, path: mergesPath, field: "line \(i + 1)"))
        }
        let names = TokenizerConfig.names(config, over: SpecialTokens.byteLevelDefaults(unk: nil))
        let addedTokens = specialAddedTokens(SpecialRole.allCases, names: names, vocab: vocab)
        let vocabulary = Vocabulary(model: vocab, added: addedTokens)
        let pipeline = TokenizerPipeline(
            vocabulary: vocabulary, addedTokens: addedTokens, normalizer: nil, postProcessor: .none,
            decoder: .byteLevel,
            specialTokens: SpecialTokens(vocabulary: vocabulary, config: config, defaults: SpecialTokens.byteLevelDefaults(unk: nil)))
        let model = BPEModel(vocabulary: vocab, merges: merges, unkId: nil, fuseUnk: false, ignoreMerges: false)
        return ByteLevelBPETokenizer(pipeline: pipeline, model: model,
                                     addPrefixSpace: config?.addPrefixSpace ?? false, useRegex: true)
    }

    /// The named special tokens that are in the vocabulary, as added tokens matched in the raw
    /// text (each once, in `roles` order).
    private static func specialAddedTokens(_ roles: [SpecialRole], names: [SpecialRole: String?],
                                           vocab: [String: Int]) -> [AddedToken] {
        var seen = Set<String>()
        var tokens: [AddedToken] = []
        for role in roles {
            guard let token = names[role] ?? nil, let id = vocab[token], seen.insert(token).inserted else { continue }
            tokens.append(AddedToken(id: id, content: token, normalized: false, special: true))
        }
        return tokens
    }

    /// The lines of a UTF-8 text file, without their `\n` or `\r\n`; no last empty line.
    private static func lines(_ path: String) throws(TokenizerError) -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else { throw .unreadableFile(path: path) }
        var lines: [String] = []
        var rawLines = data.split(separator: 0x0A, omittingEmptySubsequences: false)
        if rawLines.last?.isEmpty == true { rawLines.removeLast() }
        for (i, raw) in rawLines.enumerated() {
            let bytes = raw.last == 0x0D ? raw.dropLast() : raw
            guard let line = String(bytes: bytes, encoding: .utf8) else {
                throw .malformedLine(path: path, line: i + 1, expected: "UTF-8 text")
            }
            lines.append(line)
        }
        return lines
    }
}
