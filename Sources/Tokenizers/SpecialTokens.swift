/// The ids of the special roles a tokenizer defines; nil when it has no such token.
///
/// Taken from `tokenizer_config.json` (`cls_token`, …) when it is present, otherwise from the
/// usual names: `[CLS] [SEP] [PAD] [UNK] [MASK]` (WordPiece), `<|endoftext|>` as BOS, EOS and UNK
/// (byte-level BPE, as GPT-2's tokenizer does), `<s> </s> <unk>` (SentencePiece BPE).
public struct SpecialTokens: Sendable, Equatable {
    public var cls: Int?
    public var sep: Int?
    public var pad: Int?
    public var unk: Int?
    public var mask: Int?
    public var bos: Int?
    public var eos: Int?

    public init(cls: Int? = nil, sep: Int? = nil, pad: Int? = nil, unk: Int? = nil,
                mask: Int? = nil, bos: Int? = nil, eos: Int? = nil) {
        self.cls = cls
        self.sep = sep
        self.pad = pad
        self.unk = unk
        self.mask = mask
        self.bos = bos
        self.eos = eos
    }
}

/// A special-token role, named as in tokenizer_config.json.
enum SpecialRole: String, CaseIterable, Sendable {
    case cls = "cls_token", sep = "sep_token", pad = "pad_token", unk = "unk_token"
    case mask = "mask_token", bos = "bos_token", eos = "eos_token"
}

extension SpecialTokens {
    /// The ids of the roles: tokenizer_config.json's names when it has the role, else `defaults`.
    /// A name not in the vocabulary gives nil.
    init(vocabulary: Vocabulary, config: TokenizerConfig?, defaults: [SpecialRole: String]) {
        func id(_ role: SpecialRole) -> Int? {
            let name = config?.names[role] ?? defaults[role]
            return name.flatMap { vocabulary.ids[$0] }
        }
        self.init(cls: id(.cls), sep: id(.sep), pad: id(.pad), unk: id(.unk), mask: id(.mask), bos: id(.bos), eos: id(.eos))
    }

    /// BERT's names.
    static func wordPieceDefaults(unk: String) -> [SpecialRole: String] {
        [.cls: "[CLS]", .sep: "[SEP]", .pad: "[PAD]", .unk: unk, .mask: "[MASK]"]
    }

    /// GPT-2's: `<|endoftext|>` begins, ends, and stands for unknown text.
    static func byteLevelDefaults(unk: String?) -> [SpecialRole: String] {
        [.bos: "<|endoftext|>", .eos: "<|endoftext|>", .unk: unk ?? "<|endoftext|>"]
    }

    /// SentencePiece's (Llama 2, Mistral): `<s>` begins, `</s>` ends, the model's unknown token (`<unk>`).
    static func sentencePieceDefaults(unk: String?) -> [SpecialRole: String] {
        [.bos: "<s>", .eos: "</s>", .unk: unk ?? "<unk>"]
    }
}
