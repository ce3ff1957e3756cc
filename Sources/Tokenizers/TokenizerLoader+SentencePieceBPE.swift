extension TokenizerLoader {
    /// A BPE model behind `Metaspace` or no pre-tokenizer: a SentencePiece BPE model as transformers
    /// converts it (Llama 2, Mistral), with `byte_fallback` and `fuse_unk` as the library reads them.
    static func sentencePieceBPE(_ root: JSONObject, model: JSONObject, metaspace: JSONObject?, addedTokens: [AddedToken],
                                 normalizer: (any TextNormalizer)?, decoder: TokenDecoder, config: TokenizerConfig?)
        throws(TokenizerError) -> SentencePieceBPETokenizer {
        let (vocab, merges, unk) = try bpeVocabulary(model)
        let bpe = SentencePieceBPEModel(vocabulary: vocab, merges: merges, unkId: unk.map { vocab[$0]! },
                                        fuseUnk: try model.bool("fuse_unk", default: false),
                                        byteFallback: try model.bool("byte_fallback", default: false),
                                        ignoreMerges: try model.bool("ignore_merges", default: false))
        let vocabulary = Vocabulary(model: vocab, added: addedTokens)
        let pipeline = TokenizerPipeline(
            vocabulary: vocabulary, addedTokens: addedTokens, normalizer: normalizer,
            postProcessor: try postProcessor(root.optionalObject("post_processor"), config: config, within: vocabulary, path: root.path), decoder: decoder,
            specialTokens: SpecialTokens(vocabulary: vocabulary, config: config, defaults: SpecialTokens.sentencePieceDefaults(unk: unk)))
        return SentencePieceBPETokenizer(pipeline: pipeline, model: bpe, metaspace: try metaspace.map { (o) throws(TokenizerError) in try self.metaspace(o) })
    }

    /// A BPE model's vocabulary, merges (as ids) and unknown token (checked to be in the
    /// vocabulary); refuses dropout, a continuing-subword prefix and an end-of-word suffix.
    static func bpeVocabulary(_ model: JSONObject)
        throws(TokenizerError) -> (vocab: [String: Int], merges: [(left: Int, right: Int, merged: Int)], unk: String?) {
        let path = model.path
        try requireNoOp(model, "dropout", allowing: [])
        try requireNoOp(model, "continuing_subword_prefix", allowing: [.string("")])
        try requireNoOp(model, "end_of_word_suffix", allowing: [.string("")])
        let vocab = try model.vocabulary("vocab")
        func ids(_ left: String, _ right: String, _ field: String) throws(TokenizerError) -> (left: Int, right: Int, merged: Int) {
            try mergeIds(left, right, vocab, path: path, field: field)
        }
        let unk = try model.optionalString("unk_token")
        if let unk, vocab[unk] == nil { throw .unknownToken(path: path, field: model.name("unk_token"), token: unk) }
        let merges = try model.array("merges").enumerated().map { (i, v) throws(TokenizerError) in
            let field = model.name("merges[\(i)]")
            switch v {
            case let .string(line):
                let parts = line.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2 else { throw .invalidField(path: path, field: field, expected: "\"left right\" or [left, right]") }
                return try ids(String(parts[0]), String(parts[1]), field)
            case let .array(pair):
                guard pair.count == 2, case let .string(left) = pair[0], case let .string(right) = pair[1] else {
                    throw .invalidField(path: path, field: field, expected: "\"left right\" or [left, right]")
                }
                return try ids(left, right, field)
            default:
                throw .invalidField(path: path, field: field, expected: "\"left right\" or [left, right]")
            }
        }
        return (vocab, merges, unk)
    }
}
