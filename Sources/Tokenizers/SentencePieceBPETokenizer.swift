/// Llama 2's and Mistral's tokenizer as transformers converts it from a SentencePiece BPE model:
/// a character-level BPE with byte fallback, behind the `Metaspace` pre-tokenizer (the non-legacy
/// conversion: `prepend_scheme` first, no split) or behind none (the legacy conversion, whose
/// normalizer prepends ▁ and turns spaces into ▁); `<s>` added by its TemplateProcessing.
public final class SentencePieceBPETokenizer: Tokenizer {
    let pipeline: TokenizerPipeline
    let model: SentencePieceBPEModel
    /// nil: each normalized piece is one word.
    let metaspace: Metaspace?

    init(pipeline: TokenizerPipeline, model: SentencePieceBPEModel, metaspace: Metaspace?) {
        self.pipeline = pipeline
        self.model = model
        self.metaspace = metaspace
    }

    public var vocabularySize: Int { pipeline.vocabulary.count }
    public var specialTokens: SpecialTokens { pipeline.specialTokens }

    public func encode(_ text: String, addSpecialTokens: Bool, maxLength: Int?) -> Encoding {
        pipeline.encode(text, addSpecialTokens: addSpecialTokens, maxLength: maxLength) { text, range, startsText, ids in
            guard let metaspace else {
                model.tokenize(text[range], into: &ids)
                return
            }
            metaspace.forEachWord(in: text, range, isFirst: startsText) { word in model.tokenize(word[...], into: &ids) }
        }
    }

    public func decode(_ ids: [Int], skipSpecialTokens: Bool) throws(TokenizerError) -> String {
        try pipeline.decode(ids, skipSpecialTokens: skipSpecialTokens)
    }

    public func id(of token: String) -> Int? { pipeline.vocabulary.ids[token] }
}
