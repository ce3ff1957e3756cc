/// Text → token ids and back, exactly as Hugging Face `tokenizers` does it for the model families
/// Pare reads: BERT WordPiece (`WordPieceTokenizer`), GPT-2 byte-level BPE (`ByteLevelBPETokenizer`),
/// SentencePiece Unigram (`UnigramTokenizer`) and SentencePiece BPE (`SentencePieceBPETokenizer`).
/// Make one with `TokenizerLoader.load(directory:)`.
public protocol Tokenizer: Sendable {
    /// Ids are in `0..<vocabularySize`: the model vocabulary plus the added tokens
    /// (HF `get_vocab_size(with_added_tokens=True)` when the ids have no holes).
    var vocabularySize: Int { get }

    /// The ids of one text.
    ///
    /// `addSpecialTokens` adds what the tokenizer's post-processor adds (BERT: `[CLS] … [SEP]`;
    /// GPT-2: nothing). `maxLength` truncates the text's tokens from the right so that the whole
    /// encoding, specials included, has at most `maxLength` ids (HF `truncation=True, max_length=`),
    /// and sets `truncated` when a token was dropped. When `maxLength` is smaller than the number
    /// of specials, the encoding is the specials alone.
    func encode(_ text: String, addSpecialTokens: Bool, maxLength: Int?) -> Encoding

    /// The text of `ids`, through the tokenizer's decoder (WordPiece: `##` pieces joined, with HF's
    /// cleanup; byte-level: bytes restored), as HF tokenizers' `decode(ids, skip_special_tokens=False)`:
    /// special tokens are kept, or with `skipSpecialTokens` the added tokens marked special are left
    /// out (`skip_special_tokens=True`). Throws `idOutOfRange` for an id with no token (HF skips it).
    func decode(_ ids: [Int], skipSpecialTokens: Bool) throws(TokenizerError) -> String

    /// The id of a token string (an added token or a vocabulary entry, e.g. `"##ing"`, `"Ġthe"`).
    func id(of token: String) -> Int?

    /// The ids of the tokenizer's special roles, nil when it has no such token.
    var specialTokens: SpecialTokens { get }
}

extension Tokenizer {
    /// `encode(text, addSpecialTokens: true, maxLength: nil)`.
    public func encode(_ text: String) -> Encoding {
        encode(text, addSpecialTokens: true, maxLength: nil)
    }

    /// `decode(ids, skipSpecialTokens: false)`.
    public func decode(_ ids: [Int]) throws(TokenizerError) -> String {
        try decode(ids, skipSpecialTokens: false)
    }
}
