import Foundation
import JSON

extension TokenizerLoader {
    /// The tokenizer described by a tokenizer.json file.
    static func load(tokenizerJSON path: String, config: TokenizerConfig?) throws(TokenizerError) -> any Tokenizer {
        let root = try JSONObject.read(path: path)
        let addedTokens = try root.objects("added_tokens").map { (o) throws(TokenizerError) in try addedToken(o) }
        let normalizer = try self.normalizer(root.optionalObject("normalizer"))
        let decoder = try self.decoder(root.optionalObject("decoder"))
        let model = try root.object("model")
        let preTokenizer = try root.optionalObject("pre_tokenizer")
        let preTokenizerType = try preTokenizer?.string("type") ?? "null"

        switch try model.string("type") {
        case "WordPiece":
            guard preTokenizerType == "BertPreTokenizer" else {
                throw .unsupportedType(path: path, field: "pre_tokenizer.type", type: preTokenizerType,
                                       supported: ["BertPreTokenizer (with a WordPiece model)"])
            }
            let vocab = try model.vocabulary("vocab")
            let unk = try model.optionalString("unk_token") ?? "[UNK]"
            guard let unkId = vocab[unk] else { throw .unknownToken(path: path, field: "model.unk_token", token: unk) }
            let wordPiece = WordPieceModel(
                vocabulary: vocab, unkId: unkId,
                continuingSubwordPrefix: try model.optionalString("continuing_subword_prefix") ?? "##",
                maxInputCharsPerWord: try model.int("max_input_chars_per_word", default: 100))
            let vocabulary = Vocabulary(model: vocab, added: addedTokens)
            let pipeline = TokenizerPipeline(
                vocabulary: vocabulary, addedTokens: addedTokens, normalizer: normalizer,
                postProcessor: try postProcessor(root.optionalObject("post_processor"), config: config, within: vocabulary, path: path), decoder: decoder,
                specialTokens: SpecialTokens(vocabulary: vocabulary, config: config, defaults: SpecialTokens.wordPieceDefaults(unk: unk)))
            return WordPieceTokenizer(pipeline: pipeline, model: wordPiece)

        case "BPE":
            if preTokenizerType == "Metaspace" || preTokenizer == nil {
                return try sentencePieceBPE(root, model: model, metaspace: preTokenizer, addedTokens: addedTokens, normalizer: normalizer,
                                            decoder: decoder, config: config)
            }
            let (split, byteLevel) = try bytePreTokenizer(preTokenizer, path: path)
            try requireNoOp(model, "byte_fallback", allowing: [.bool(false)])
            let (vocab, merges, unk) = try bpeVocabulary(model)
            let bpe = BPEModel(vocabulary: vocab, merges: merges, unkId: unk.map { vocab[$0]! },
                               fuseUnk: try model.bool("fuse_unk", default: false),
                               ignoreMerges: try model.bool("ignore_merges", default: false))
            let vocabulary = Vocabulary(model: vocab, added: addedTokens)
            let pipeline = TokenizerPipeline(
                vocabulary: vocabulary, addedTokens: addedTokens, normalizer: normalizer,
                postProcessor: try postProcessor(root.optionalObject("post_processor"), config: config, within: vocabulary, path: path), decoder: decoder,
                specialTokens: SpecialTokens(vocabulary: vocabulary, config: config, defaults: SpecialTokens.byteLevelDefaults(unk: unk)))
            return ByteLevelBPETokenizer(pipeline: pipeline, model: bpe,
                                         addPrefixSpace: try byteLevel.bool("add_prefix_space", default: true),
                                         useRegex: try byteLevel.bool("use_regex", default: true), split: split)

        case "Unigram":
            guard let preTokenizer, preTokenizerType == "Metaspace" else {
                throw .unsupportedType(path: path, field: "pre_tokenizer.type", type: preTokenizerType,
                                       supported: ["Metaspace (with a Unigram model)"])
            }
            var pieces: [(piece: String, score: Double)] = []
            for (i, entry) in try model.array("vocab").enumerated() {
                guard case let .array(pair) = entry, pair.count == 2, case let .string(piece) = pair[0] else {
                    throw model.invalid("vocab[\(i)]", "[piece, score]")
                }
                switch pair[1] {
                case let .double(score): pieces.append((piece, score))
                case let .int(score): pieces.append((piece, Double(score)))
                default: throw model.invalid("vocab[\(i)]", "[piece, score]")
                }
            }
            let unkId = try model.int("unk_id")
            guard unkId < pieces.count else { throw model.invalid("unk_id", "the id of a piece of the vocabulary (0..<\(pieces.count))") }
            let unigram = UnigramModel(pieces: pieces, unkId: unkId, byteFallback: try model.bool("byte_fallback", default: false))
            let vocab = Dictionary(pieces.enumerated().map { ($0.element.piece, $0.offset) }, uniquingKeysWith: { first, _ in first })
            let vocabulary = Vocabulary(model: vocab, added: addedTokens)
            let pipeline = TokenizerPipeline(
                vocabulary: vocabulary, addedTokens: addedTokens, normalizer: normalizer,
                postProcessor: try postProcessor(root.optionalObject("post_processor"), config: config, within: vocabulary, path: path), decoder: decoder,
                specialTokens: SpecialTokens(vocabulary: vocabulary, config: config, defaults: SpecialTokens.byteLevelDefaults(unk: pieces[unkId].piece)))
            return UnigramTokenizer(pipeline: pipeline, model: unigram, metaspace: try metaspace(preTokenizer))

        case let other:
            throw .unsupportedType(path: path, field: "model.type", type: other, supported: ["WordPiece", "BPE", "Unigram"])
        }
    }

    /// `Metaspace`'s fields; `add_prefix_space` (older files) stands for prepend_scheme always/never.
    static func metaspace(_ o: JSONObject) throws(TokenizerError) -> Metaspace {
        let replacement = try o.optionalString("replacement") ?? "▁"
        guard replacement.unicodeScalars.count == 1, let scalar = replacement.unicodeScalars.first else {
            throw o.invalid("replacement", "one character")
        }
        let scheme: Metaspace.PrependScheme
        if let name = try o.optionalString("prepend_scheme") {
            guard let s = Metaspace.PrependScheme(rawValue: name) else { throw o.invalid("prepend_scheme", "always, first or never") }
            scheme = s
        } else {
            scheme = try o.bool("add_prefix_space", default: true) ? .always : .never
        }
        return Metaspace(replacement: scalar, prependScheme: scheme, split: try o.bool("split", default: true))
    }

    /// One entry of `added_tokens`, with HF's defaults for missing flags.
    static func addedToken(_ o: JSONObject) throws(TokenizerError) -> AddedToken {
        AddedToken(id: try o.int("id"), content: try o.string("content"),
                   singleWord: try o.bool("single_word", default: false),
                   lstrip: try o.bool("lstrip", default: false), rstrip: try o.bool("rstrip", default: false),
                   normalized: try o.bool("normalized", default: true), special: try o.bool("special", default: false))
    }

    /// A BPE model's pre-tokenizer: ByteLevel (GPT-2), or a Sequence of a `Split` (behavior
    /// Isolated, not inverted) and a ByteLevel (Llama 3, Qwen2). Returns the split, if any, and
    /// the ByteLevel step's fields.
    static func bytePreTokenizer(_ o: JSONObject?, path: String) throws(TokenizerError) -> (RegexSplit?, JSONObject) {
        let type = try o?.string("type") ?? "null"
        let supported = ["ByteLevel (with a BPE model)", "Sequence of Split (Isolated) and ByteLevel"]
        if let o, type == "ByteLevel" { return (nil, o) }
        guard let o, type == "Sequence" else {
            throw .unsupportedType(path: path, field: "pre_tokenizer.type", type: type, supported: supported + ["Metaspace or null (with a SentencePiece BPE model)"])
        }
        let steps = try o.objects("pretokenizers")
        guard steps.count == 2, try steps[0].string("type") == "Split", try steps[1].string("type") == "ByteLevel" else {
            throw .unsupportedType(path: path, field: "pre_tokenizer.pretokenizers", type: try steps.map { (s) throws(TokenizerError) in try s.string("type") }.joined(separator: ", "),
                                   supported: supported)
        }
        let split = steps[0]
        guard try split.string("behavior") == "Isolated", !(try split.bool("invert", default: false)) else {
            throw split.invalid("behavior", "\"Isolated\" with invert false (as Llama 3 and Qwen2 write it)")
        }
        return (RegexSplit(regex: try regex(split.object("pattern"))), steps[1])
    }

    /// A `pattern` object, `{"Regex": …}` or `{"String": …}` (a literal), compiled to match scalar
    /// by scalar as the `tokenizers` library's engine does.
    static func regex(_ pattern: JSONObject) throws(TokenizerError) -> Regex<AnyRegexOutput> {
        let source: String
        if let regex = try pattern.optionalString("Regex") {
            source = regex
        } else if let literal = try pattern.optionalString("String") {
            source = literal.unicodeScalars.map { "\\x{\(String($0.value, radix: 16))}" }.joined()
        } else {
            throw pattern.invalid("Regex", "a pattern {\"Regex\": …} or {\"String\": …}")
        }
        do {
            return try Regex(source).matchingSemantics(.unicodeScalar)
        } catch {
            throw pattern.invalid("Regex", "a pattern Swift's regex engine compiles (\(error))")
        }
    }

    /// `normalizer`: null, BertNormalizer, NFC, NFKC, Precompiled, Strip, Replace, Prepend, Nmt, Lowercase,
    /// or a Sequence of them.
    static func normalizer(_ o: JSONObject?) throws(TokenizerError) -> (any TextNormalizer)? {
        guard let o else { return nil }
        let type = try o.string("type")
        switch type {
        case "NFC": return NFCNormalizer()
        case "NFKC": return NFKCNormalizer()
        case "Precompiled":
            guard let blob = try o.optionalString("precompiled_charsmap") else { return nil }  // null: no rules
            guard let data = Data(base64Encoded: blob), let precompiled = PrecompiledNormalizer(charsmap: Array(data)) else {
                throw o.invalid("precompiled_charsmap", "a base64 SentencePiece charsmap (trie size, double-array trie, replacements)")
            }
            return precompiled
        case "Strip":
            return StripNormalizer(left: try o.bool("strip_left", default: true), right: try o.bool("strip_right", default: true))
        case "Replace":
            return try replaceNormalizer(o)
        case "Sequence":
            var steps: [any TextNormalizer] = []
            for step in try o.objects("normalizers") { if let n = try normalizer(step) { steps.append(n) } }
            return SequenceNormalizer(steps: steps)
        default:
            if let sentencePiece = try sentencePieceNormalizer(o) { return sentencePiece }
        }
        guard type == "BertNormalizer" else {
            throw .unsupportedType(path: o.path, field: o.name("type"), type: type, supported: normalizerTypes)
        }
        let lowercase = try o.bool("lowercase", default: true)
        return BertNormalizer(cleanText: try o.bool("clean_text", default: true),
                              handleChineseChars: try o.bool("handle_chinese_chars", default: true),
                              stripAccents: try o.optionalBool("strip_accents") ?? lowercase,
                              lowercase: lowercase)
    }

    /// `decoder`: null, WordPiece, ByteLevel, Metaspace, or the SentencePiece ones (`sentencePieceDecoder`).
    static func decoder(_ o: JSONObject?) throws(TokenizerError) -> TokenDecoder {
        guard let o else { return .none }
        switch try o.string("type") {
        case "WordPiece":
            return .wordPiece(prefix: try o.optionalString("prefix") ?? "##", cleanup: try o.bool("cleanup", default: true))
        case "ByteLevel":
            return .byteLevel
        case "Metaspace":
            let m = try metaspace(o)
            return .metaspace(replacement: m.replacement, stripLeading: m.prependScheme != .never)
        case let other:
            if let sentencePiece = try sentencePieceDecoder(o) { return sentencePiece }
            throw .unsupportedType(path: o.path, field: o.name("type"), type: other, supported: decoderTypes)
        }
    }

    /// The post-processor, with every id it adds checked to lie in `vocabulary` (a template may
    /// name any id; one beyond the embedding table would be read out of bounds). A Llama-family
    /// `tokenizer_class` rebuilds it from tokenizer_config.json (`configuredPostProcessor`).
    static func postProcessor(_ o: JSONObject?, config: TokenizerConfig?, within vocabulary: Vocabulary, path: String)
        throws(TokenizerError) -> PostProcessor {
        let processor: PostProcessor
        if let configured = try configuredPostProcessor(config, vocabulary: vocabulary, path: path) {
            processor = configured
        } else {
            processor = try postProcessor(o)
        }
        if let id = (processor.prefix + processor.suffix).first(where: { $0 >= vocabulary.count }) {
            throw .invalidField(path: path, field: "post_processor",
                                expected: "special token ids inside the vocabulary (0..<\(vocabulary.count)), not \(id)")
        }
        return processor
    }

    /// `post_processor` for a single text: null, TemplateProcessing, BertProcessing,
    /// RobertaProcessing, ByteLevel (adds nothing) or a Sequence of them.
    static func postProcessor(_ o: JSONObject?) throws(TokenizerError) -> PostProcessor {
        guard let o else { return .none }
        switch try o.string("type") {
        case "TemplateProcessing":
            return try template(o)
        case "BertProcessing", "RobertaProcessing":
            return .wrapping(try processorToken(o, "cls"), try processorToken(o, "sep"))
        case "ByteLevel":
            return .none
        case "Sequence":
            var result = PostProcessor.none
            for inner in try o.objects("processors") { result = result.followed(by: try postProcessor(inner)) }
            return result
        case let other:
            throw .unsupportedType(path: o.path, field: o.name("type"), type: other,
                                   supported: ["TemplateProcessing", "BertProcessing", "RobertaProcessing", "ByteLevel", "Sequence", "null"])
        }
    }

    /// TemplateProcessing's `single`: specials before `$A` are the prefix, after it the suffix.
    private static func template(_ o: JSONObject) throws(TokenizerError) -> PostProcessor {
        let specials = try o.object("special_tokens")
        var result = PostProcessor()
        var sawSequence = false
        for (i, piece) in try o.array("single").enumerated() {
            let field = o.name("single[\(i)]")
            let expected = "{\"SpecialToken\": {\"id\", \"type_id\"}} or {\"Sequence\": {\"id\": \"A\", \"type_id\"}}"
            guard case let .object(wrapper) = piece, wrapper.count == 1, let kind = wrapper.first?.key,
                  let fields = wrapper.first?.value.dictionary else {
                throw .invalidField(path: o.path, field: field, expected: expected)
            }
            let inner = JSONObject(path: o.path, field: field + "." + kind, values: fields)
            let typeId = try inner.int("type_id", default: 0)
            let id = try inner.string("id")
            switch kind {
            case "Sequence":
                guard id == "A", !sawSequence else {
                    throw .invalidField(path: o.path, field: inner.name("id"), expected: "\"A\", once (a single-text template)")
                }
                sawSequence = true
                result.sequenceTypeId = typeId
            case "SpecialToken":
                guard let special = try specials.optionalObject(id) else {
                    throw .unknownToken(path: o.path, field: specials.field, token: id)
                }
                var ids: [Int] = []
                for (k, v) in try special.array("ids").enumerated() {
                    guard case let .int(value) = v, value >= 0 else { throw special.invalid("ids[\(k)]", "a non-negative integer") }
                    ids.append(value)
                }
                if sawSequence {
                    result.suffix += ids
                    result.suffixTypeIds += ids.map { _ in typeId }
                } else {
                    result.prefix += ids
                    result.prefixTypeIds += ids.map { _ in typeId }
                }
            default:
                throw .invalidField(path: o.path, field: field, expected: expected)
            }
        }
        guard sawSequence else { throw .invalidField(path: o.path, field: o.name("single"), expected: "a template with $A") }
        return result
    }

    /// BertProcessing's `["[CLS]", 101]`.
    private static func processorToken(_ o: JSONObject, _ key: String) throws(TokenizerError) -> Int {
        guard case let .array(pair)? = o.value(key), pair.count == 2, case .string = pair[0], case let .int(id) = pair[1], id >= 0 else {
            throw o.invalid(key, "[token, id]")
        }
        return id
    }

    /// The ids of a merge's two halves and of their concatenation.
    static func mergeIds(_ left: String, _ right: String, _ vocab: [String: Int], path: String, field: String)
        throws(TokenizerError) -> (left: Int, right: Int, merged: Int) {
        guard let l = vocab[left] else { throw .unknownToken(path: path, field: field, token: left) }
        guard let r = vocab[right] else { throw .unknownToken(path: path, field: field, token: right) }
        guard let m = vocab[left + right] else { throw .unknownToken(path: path, field: field, token: left + right) }
        return (l, r, m)
    }

    /// Refuses a setting that is neither missing, null, nor one of `allowed` (its no-op values).
    static func requireNoOp(_ o: JSONObject, _ key: String, allowing allowed: [JSONValue]) throws(TokenizerError) {
        guard let v = o.value(key), !allowed.contains(v) else { return }
        throw .unsupportedSetting(path: o.path, field: o.name(key), value: v.text,
                                  supported: (["null"] + allowed.map(\.text)).joined(separator: " or "))
    }
}
